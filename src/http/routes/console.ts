import { existsSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

export interface ConsoleRouteOptions {
  /** The folder `vite build` wrote: index.html and assets/. */
  root: string;
}

/**
 * The console's own files only: scripts from this origin, no inline code, data only from
 * this origin's API. The app keeps to it, and an injected string has nowhere to run.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The built console: dist/console beside the compiled code, or under the repository's dist when run from source. */
export function findConsoleDir(): string | undefined {
  const candidates = [
    new URL("../../console/", import.meta.url),
    new URL("../../../dist/console/", import.meta.url),
  ];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return undefined;
}

/** GET / and the console's assets. The app routes by URL fragment, so no fallback route is needed. */
export const consoleRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app, opts) => {
  await app.register(fastifyStatic, {
    root: opts.root,
    prefix: "/",
    index: ["index.html"],
    // Only files that exist: no directory listings, no dotfiles.
    wildcard: false,
    dotfiles: "deny",
    // The cache headers are set below, per file kind.
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader("content-security-policy", CONSOLE_CSP);
      res.setHeader("x-content-type-options", "nosniff");
      res.setHeader("referrer-policy", "no-referrer");
      // Hashed asset names never change content; index.html must be re-read to find new ones.
      res.setHeader(
        "cache-control",
        path.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
};
