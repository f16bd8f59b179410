import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
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
          // OpenSSL 3.5, the second `openssl cmp` client of the interop tests.
          // Debian's Chromium, for the web console's browser tests (installed as root when missing).
          globalSetup: ["test/support/openssl35_setup.ts", "test/support/chromium_setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Runs *.worker.test.ts inside workerd (Miniflare) with the bindings of
        // a test-only Worker, not the real entry, so the store backends are
        // tested on their own.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./test/store/wrangler.test.toml" },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.worker.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
