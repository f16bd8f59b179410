import { startNodeServer } from "../src/runtime/node.js";

/**
 * Jellyfish on Node as a separate process, so that the benchmark can read
 * the server's CPU time from /proc/<pid>/stat apart from the load
 * generator's. The parent passes CA_KEY, CA_CERT, CMP_SECRETS and
 * JELLYFISH_ALLOW_MEMORY_STORE=1 in the environment (PORT=0: the kernel
 * picks a free port); the URL goes to stdout as one line.
 */
const quiet = () => undefined; // The per-message log would cost CPU and measure the terminal.
const server = await startNodeServer({ ...process.env, HOST: "127.0.0.1", PORT: "0" }, { log: quiet });
process.stdout.write(`URL ${server.url}\n`);
// close() waits for idle keep-alive connections; do not let them hold the exit up.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    setTimeout(() => process.exit(0), 1000).unref();
    void server.close().finally(() => process.exit(0));
  });
}
