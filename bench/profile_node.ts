import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePem } from "../src/asn1/pem.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { KeyPool, runLoad } from "./load.js";
import { breakdown, type CpuProfile } from "./profile_analysis.js";
import { startNodeTarget } from "./targets.js";
import { prepare } from "./workloads.js";

/**
 * `npx tsx bench/profile_node.ts [seconds] [workers]`: Jellyfish on Node
 * (bench/node_target.ts) under the MAC ir load of `npm run bench`, with
 * the V8 CPU profiler on for the measured part only (after a warm-up), and
 * the server's main-thread time split into the CMP engine and the HTTP
 * layer (bench/profile_analysis.ts). Process CPU from /proc is printed
 * beside it: the difference is other threads (WebCrypto's thread pool, V8's
 * GC helpers), which the profiler does not sample.
 *
 * V8 samples on a wall clock: time the thread spends descheduled is charged
 * to the stack it resumes in, which favours what follows a syscall that
 * wakes another process (a socket write waking the client) and work handed
 * to other threads (WebCrypto). On a machine shared with a busy neighbour
 * the main thread's "busy" exceeds the process's CPU, and the HTTP share is
 * overstated; bench/http_overhead.ts measures the HTTP layer in CPU time.
 */
const seconds = Number(process.argv[2] ?? 15);
const workers = Number(process.argv[3] ?? 8);
const dir = await mkdtemp(join(tmpdir(), "jellyfish-profile-"));
const profilePath = join(dir, "server.cpuprofile");
try {
  const keys = await KeyPool.generate(256);
  const caKey = await generateLocalKey("P-256");
  const caCertificate = await createSelfSignedCa({ signer: await LocalSigner.fromPkcs8(caKey.pkcs8), subject: "CN=Profile CA", validitySeconds: 86_400, now: new Date() });
  const mac = { reference: "dev", secret: "s3cret" };
  const server = await startNodeTarget({
    CA_KEY: encodePem("PRIVATE KEY", caKey.pkcs8),
    CA_CERT: encodePem("CERTIFICATE", caCertificate),
    CMP_SECRETS: JSON.stringify({ [mac.reference]: mac.secret }),
    JELLYFISH_ALLOW_MEMORY_STORE: "1",
    JELLYFISH_BENCH_CPU_PROFILE: profilePath,
  });
  try {
    const transaction = await prepare("mac-ir", { url: server.url, mac, anchor: caCertificate, keys }, workers, 0);
    await runLoad(transaction, workers, 3000); // Warm-up: JIT and first-use imports, not profiled.
    process.kill(server.pid!, "SIGUSR2");
    await new Promise((done) => setTimeout(done, 200));
    const before = server.cpuMs();
    const load = await runLoad(transaction, workers, seconds * 1000);
    const cpuMs = server.cpuMs() - before;
    console.log(`${load.completed} MAC enrollments in ${(load.elapsedMs / 1000).toFixed(1)} s (${load.perSecond.toFixed(1)}/s), ${load.failed} failed; server process CPU ${(cpuMs / load.completed).toFixed(2)} ms per enrollment (all threads, /proc)`);
    await server.stop();
    const result = breakdown(JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile);
    const per = (ms: number) => `${(ms / load.completed).toFixed(3)} ms/enrollment`;
    const busy = Object.entries(result.byClass).filter(([name]) => name !== "idle").reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`\nmain thread, busy ${per(busy)}:`);
    for (const [name, ms] of Object.entries(result.byClass).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(10)} ${per(ms)}  ${name === "idle" ? "" : `${((100 * ms) / busy).toFixed(1)} % of busy`}`);
    const counted = Object.entries(result.samplesByClass).filter(([name]) => name !== "idle");
    const busySamples = counted.reduce((sum, [, count]) => sum + count, 0);
    console.log(`\nmain thread, share of busy samples (each counted once): ${counted.sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${((100 * count) / busySamples).toFixed(1)} %`).join(", ")}`);
    console.log("\nhttp layer by nearest source:");
    for (const [name, ms] of Object.entries(result.http).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(40)} ${per(ms)}`);
    console.log("\nengine by nearest source:");
    for (const [name, ms] of Object.entries(result.engine).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${name.padEnd(40)} ${per(ms)}`);
    console.log("\nheaviest http-layer leaves:");
    for (const { frame, ms } of result.httpTop) console.log(`  ${frame.padEnd(60)} ${per(ms)}`);
  } finally {
    await server.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
