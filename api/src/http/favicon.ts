// /favicon.ico: what every browser asks for first (a 404 otherwise in the playground's console).
// A 32x32 PNG inside an ICO container, embedded so it needs no file on disk.
import { createHash } from "node:crypto";
import express, { type Router } from "express";

const FAVICON = Buffer.from(
  "AAABAAEAICAAAAEAIADAAAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAIdJREFUeNrl1zEOgDAMA8D+gJ8y8n2YGFOS2CmOaomFoT6KBOkYnXJc5+25fiktwaDlEIJVnkKwy0OIqnIXorp8isgs9IaC2BuAlFMQ7QBW9gB8ZSlgdq8EYD1tdhdgAPoaegGioX8NPYtHAKF/QTa9ABYCjdxUpD+USozlEgcTiaOZxOG0Og9aoaj3fKcQUgAAAABJRU5ErkJggg==",
  "base64",
);
const ETAG = `"${createHash("sha256").update(FAVICON).digest("base64url").slice(0, 27)}"`;

export function faviconRouter(): Router {
  const router = express.Router();
  router.get("/favicon.ico", (req, res) => {
    res.setHeader("Cache-Control", "public, max-age=86400");
    res.setHeader("ETag", ETAG);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.type("image/x-icon").send(FAVICON);
  });
  return router;
}
