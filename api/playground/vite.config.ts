// Builds the playground into api/playground/dist, which the API serves at /playground/.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { precompress } from "./precompress.js";

const here = path.dirname(fileURLToPath(import.meta.url));

const outDir = path.join(here, "dist");

export default defineConfig({
  root: here,
  base: "./",
  logLevel: "error", // graphiql's dependencies carry "use client" directives that only matter to RSC bundlers
  build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 8000 },
  worker: { format: "es" },
  plugins: [precompress(outDir)],
});
