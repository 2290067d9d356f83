// Serves the brotli or gzip copy of a static file (written beside it at build time, e.g.
// app.js.br) when the client accepts that encoding, with the original's Content-Type and
// Vary: Accept-Encoding; anything else falls through to express.static.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { RequestHandler } from "express";

const ENCODINGS = [
  { name: "br", suffix: ".br" },
  { name: "gzip", suffix: ".gz" },
] as const;

export function precompressed(root: string, opts: { maxAge?: string } = {}): RequestHandler {
  const base = path.resolve(root);
  return (req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    let rel: string;
    try {
      rel = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(base, rel);
    if (!file.startsWith(base + path.sep) || !existsSync(file)) return next();
    res.vary("Accept-Encoding");
    const available = ENCODINGS.filter((e) => existsSync(file + e.suffix));
    if (!available.length) return next();
    // the server's preference (brotli, then gzip) among what the client accepts (q > 0, or *)
    const encoding = available.find((e) => req.acceptsEncodings(e.name) === e.name);
    if (!encoding) return next();
    const compressed = file + encoding.suffix;
    // the copy is only good while it is newer than the original
    if (statSync(compressed).mtimeMs < statSync(file).mtimeMs) return next();
    res.type(path.extname(file));
    res.setHeader("Content-Encoding", encoding.name);
    res.sendFile(compressed, { maxAge: opts.maxAge, dotfiles: "allow" }, (err) => {
      if (err) next(err);
    });
  };
}
