// Serves the GraphiQL playground built from npm packages (api/playground, `npm run build:playground`).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";
import { precompressed } from "./precompressed.js";

export const PLAYGROUND_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../playground/dist");

export function playgroundRouter(dist = PLAYGROUND_DIST): Router {
  const router = express.Router();
  router.get("/playground", (req, res, next) => {
    // assets are addressed relative to /playground/
    if (req.originalUrl === "/playground") return res.redirect(301, "/playground/");
    next();
  });
  router.use("/playground", (req, res, next) => {
    if (!existsSync(path.join(dist, "index.html"))) {
      res.status(503).type("text/plain").send("The playground is not built: run `npm run build:playground`.");
      return;
    }
    next();
  });
  // the build writes .br and .gz copies of every asset (api/playground/precompress.ts): 7 MB → 1.8 MB
  router.use("/playground", precompressed(dist, { maxAge: "1h" }));
  router.use("/playground", express.static(dist, { index: "index.html", maxAge: "1h", fallthrough: false }));
  return router;
}
