import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { startNodeServer } from "../src/runtime/node.js";

/**
 * Jellyfish on Node as a separate process, so that the benchmark can read
 * the server's CPU time from /proc/<pid>/stat apart from the load
 * generator's. The parent passes CA_KEY, CA_CERT, CMP_SECRETS and
 * JELLYFISH_ALLOW_MEMORY_STORE=1 in the environment (PORT=0: the kernel
 * picks a free port); the URL goes to stdout as one line.
 *
 * JELLYFISH_BENCH_CPU_PROFILE=<file> (bench/profile_node.ts): SIGUSR2 starts
 * the V8 CPU profiler and SIGTERM writes the profile there before exiting,
 * so that the profile covers the load and not start-up or warm-up (which
 * `node --cpu-prof` would include).
 */
const quiet = () => undefined; // The per-message log would cost CPU and measure the terminal.
const server = await startNodeServer({ ...process.env, HOST: "127.0.0.1", PORT: "0" }, { log: quiet });
const profilePath = process.env.JELLYFISH_BENCH_CPU_PROFILE;
let profiler: Session | undefined;
if (profilePath) {
  process.on("SIGUSR2", () => {
    if (profiler) return;
    profiler = new Session();
    profiler.connect();
    void profiler.post("Profiler.enable").then(() => profiler!.post("Profiler.setSamplingInterval", { interval: 200 })).then(() => profiler!.post("Profiler.start"));
  });
}
process.stdout.write(`URL ${server.url}\n`);
// close() waits for idle keep-alive connections; do not let them hold the exit up.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    setTimeout(() => process.exit(0), profilePath ? 10_000 : 1000).unref();
    void (async () => {
      if (profiler && profilePath) {
        const { profile } = await profiler.post("Profiler.stop");
        writeFileSync(profilePath, JSON.stringify(profile));
      }
      await server.close();
    })().finally(() => process.exit(0));
  });
}
