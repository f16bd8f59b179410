import { defineConfig } from "vitest/config";

// Two kinds of tests: plain Node tests (unit tests and the interop tests that
// drive the real `openssl cmp` against the real Worker), and tests that run
// inside workerd itself (the Durable Object and KV store backends).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.worker.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
