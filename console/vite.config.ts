import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Paths from this file, so the config works whatever directory Vite is started from.
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// The dev server and `vite preview` forward the API to a running service (AIOPS_URL).
const api = { "/api": { target: process.env["AIOPS_URL"] ?? "http://127.0.0.1:8080", changeOrigin: true } };

export default defineConfig({
  root: here("."),
  // Relative asset URLs: the console works under any path prefix the service is mounted at.
  base: "./",
  plugins: [preact()],
  build: {
    outDir: here("../dist/console"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  server: { proxy: api },
  preview: { proxy: api },
});
