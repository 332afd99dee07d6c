import { defineConfig } from "vitest/config";

/**
 * The fault suite (test/faults, docs/faults.md): minutes long (Chroma's 30 s outage alone),
 * so out of `npm test` and run by `npm run test:faults` in CI. Rows run one after another
 * (each starts its own servers and agents on this machine's few cores).
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.faults.ts"],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
