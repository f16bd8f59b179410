import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodePem } from "../src/asn1/pem.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { oneConnectionFetch } from "../test/support/one_connection_fetch.js";
import { makeKey } from "../test/support/openssl.js";
import { opensslCa } from "../test/support/openssl_ca.js";
import { certificateFromFile, signerFromFile } from "../test/client/keys.js";
import { bundleMeasures } from "./bundle.js";
import { startMiniflareTarget } from "./miniflare_target.js";
import { durableObjectCallsInWorkerd } from "./do_calls.js";
import { engineInOwnProcess } from "./engine.js";
import { revocationStatusInOwnProcess } from "./revocation_status.js";
import { KeyPool, runLoad } from "./load.js";
import { measureSteps } from "./steps_measure.js";
import type { Row } from "./summary.js";
import { writeReport } from "./report.js";
import { ROOT, startNodeTarget, startOpensslMock, startWranglerTarget, type Target } from "./targets.js";
import { prepare, WORKLOADS, type WorkloadName, type WorkloadSetup } from "./workloads.js";

/**
 * `npm run bench [-- --quick] [--duration <s>] [--workers <n>]`: Jellyfish
 * on Node and in workerd against OpenSSL's `openssl cmp` mock server, under
 * the same load in the same run, and the engine on its own. Prints a
 * Markdown table and writes it with the JSON to bench/results/. Nothing
 * here asserts on speed: the numbers are for reading.
 */

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const inside = argv.includes("--inside");
const option = (name: string): number | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : undefined;
};
const durationMs = (option("--duration") ?? (quick ? 3 : 10)) * 1000;
const workers = option("--workers") ?? 8;
const notes: string[] = [];

// A private network namespace with only loopback: the mock server binds
// every interface, and there it can only be reached from this run.
if (!inside) {
  const probe = spawnSync("unshare", ["--net", "--map-root-user", "true"], { stdio: "ignore" });
  if (probe.status === 0) {
    const tsxCli = join(ROOT, "node_modules/tsx/dist/cli.mjs");
    const child = spawnSync("unshare", ["--net", "--map-root-user", process.execPath, tsxCli, join(ROOT, "bench/run.ts"), "--inside", "--netns", ...argv], {
      stdio: "inherit",
      cwd: ROOT,
    });
    process.exit(child.status ?? 1);
  }
  notes.push("unshare --net is not available here: ran in the host network namespace (the OpenSSL mock listened on all interfaces while it ran).");
}
if (argv.includes("--netns")) {
  try {
    execFileSync("ip", ["link", "set", "lo", "up"]);
    notes.push("Ran in a private network namespace (unshare --net --map-root-user) with only loopback.");
  } catch (error) {
    notes.push(`ip link set lo up failed (${String(error)}); results may be missing.`);
  }
}

const rows: Row[] = [];
const dir = await mkdtemp(join(tmpdir(), "jellyfish-bench-"));

async function measure(target: string, server: Target, workload: WorkloadName, setup: WorkloadSetup, rrPool: number, workers: number): Promise<Row> {
  try {
    const transaction = await prepare(workload, setup, workers, rrPool);
    const before = server.cpuMs();
    const clientBefore = process.cpuUsage();
    const load = await runLoad(transaction, workers, durationMs);
    const cpu = server.cpuMs() - before;
    const clientUsage = process.cpuUsage(clientBefore);
    const clientCpu = (clientUsage.user + clientUsage.system) / 1000;
    const perTransaction = (ms: number) => (load.completed > 0 ? ms / load.completed : undefined);
    const row: Row = { target, workers, workload, load, serverCpuMsPerTransaction: perTransaction(cpu), clientCpuMsPerTransaction: perTransaction(clientCpu) };
    if (load.completed === 0) row.skipped = `no transaction succeeded: ${load.firstError}`;
    console.error(`${target} ${workload}: ${load.completed} ok, ${load.failed} failed, ${load.perSecond.toFixed(1)}/s${load.firstError ? ` (first error: ${load.firstError})` : ""}`);
    return row;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${target} ${workload}: skipped: ${message}`);
    return { target, workers, workload, skipped: message };
  }
}

try {
  // Keys before any clock: device keys for Jellyfish, and its CA (P-256).
  const keys = await KeyPool.generate(256);
  const caKey = await generateLocalKey("P-256");
  const caSigner = await LocalSigner.fromPkcs8(caKey.pkcs8);
  const caCertificate = await createSelfSignedCa({ signer: caSigner, subject: "CN=Jellyfish Bench CA", validitySeconds: 86_400, now: new Date() });
  const mac = { reference: "dev", secret: "s3cret" };
  const settings = {
    CA_KEY: encodePem("PRIVATE KEY", caKey.pkcs8),
    CA_CERT: encodePem("CERTIFICATE", caCertificate),
    CMP_SECRETS: JSON.stringify({ [mac.reference]: mac.secret }),
  };
  const jellyfish = (url: string): WorkloadSetup => ({ url, mac, anchor: caCertificate, keys });

  // (a) Jellyfish on Node, in its own process.
  await runTarget("Jellyfish (Node)", () => startNodeTarget({ ...settings, JELLYFISH_ALLOW_MEMORY_STORE: "1" }), jellyfish);

  // (b) Jellyfish in workerd through wrangler dev, settings in an env file like .dev.vars.
  const envFile = join(dir, "bench.env");
  await writeFile(envFile, `CA_KEY="${settings.CA_KEY.trim()}"\nCA_CERT="${settings.CA_CERT.trim()}"\nCMP_SECRETS='${settings.CMP_SECRETS}'\n`);
  await runTarget("Jellyfish (workerd)", () => startWranglerTarget(envFile, join(dir, "wrangler-state"), 30_000), jellyfish);

  // (b') The same bundle in workerd without wrangler dev's proxy in front: as deployed.
  await runTarget("Jellyfish (workerd, no wrangler)", () => startMiniflareTarget(settings), jellyfish);
  // The same calls counted by the Durable Object itself, with a counting build of the bundle (bench/do_calls_entry.ts).
  const workerdDoCalls = await section("Durable Object calls in workerd", () => durableObjectCallsInWorkerd(settings, jellyfish, quick ? 5 : 20));

  // (c) The OpenSSL mock: certificates from openssl itself; it answers every
  // request with rsp_cert, so the load asks for rsp_cert's key every time.
  const ca = await opensslCa(dir, { name: "mock-ca", subject: "/CN=Mock Bench CA" });
  const serverKey = await makeKey(join(dir, "server.key.pem"));
  const serverCert = await ca.issue("server", { subject: "/CN=Mock CMP Server", keyPath: serverKey });
  const clientKey = await makeKey(join(dir, "client.key.pem"));
  const clientCert = await ca.issue("client", { subject: "/CN=bench-client", keyPath: clientKey });
  const fixedKey = await makeKey(join(dir, "fixed.key.pem"));
  const fixedCert = await ca.issue("fixed", { subject: "/CN=bench-device", keyPath: fixedKey });
  const fixed = { signer: await signerFromFile(fixedKey), certificate: await certificateFromFile(fixedCert) };
  const client = { signer: await signerFromFile(clientKey), certificate: await certificateFromFile(clientCert) };
  const anchor = await certificateFromFile(ca.certPath);
  const mockMac = { reference: "mock-ref", secret: "mock-secret" };
  // One connection, as the mock serves them (see one_connection_fetch.ts).
  const mockConnection = oneConnectionFetch();
  const mockSetup = (url: string): WorkloadSetup => ({
    url, mac: mockMac, anchor, keys: { next: () => fixed.signer }, signerCredential: client, fixedRevocationTarget: fixed, fetch: mockConnection.fetch,
  });
  for (const workload of WORKLOADS) {
    const protection =
      workload === "mac-ir"
        ? ["-srv_ref", mockMac.reference, "-srv_secret", `pass:${mockMac.secret}`, "-rsp_capubs", ca.certPath]
        : ["-srv_cert", serverCert, "-srv_key", serverKey, "-srv_trusted", ca.certPath];
    // One worker: the mock holds the state of one transaction at a time
    // (a certConf arriving after another client's ir is "unexpected
    // pkibody") and serves one connection at a time, so concurrency would
    // only produce errors, not throughput.
    await runTarget("OpenSSL mock", () => startOpensslMock([...protection, "-rsp_cert", fixedCert]), mockSetup, [workload], 1);
  }
  mockConnection.close();
  notes.push(
    "OpenSSL mock: it answers every request with its one -rsp_cert, so against it the client always asks for that certificate's key (Jellyfish gets a fresh key from a pool of 256 each time) and rr revokes the same certificate again and again (the mock keeps no state); it is single-threaded, keeps one transaction's state at a time, and runs with -max_msgs 0, so it is driven by 1 worker (8 concurrent workers made it reject interleaved certConfs with \"unexpected pkibody\"); the throughput ratio is thus Jellyfish at 8 workers against the mock at its only workable concurrency.",
  );

  const engine = await section("engine microbenchmark", () => engineInOwnProcess(quick ? 30 : 150));
  // In this process, after the load targets have stopped: best-of-five rounds keep its garbage out.
  const steps = await section("crypto floor (bench/steps_measure.ts)", () => measureSteps());
  const bundle = await section("bundle size and start-up", () => bundleMeasures(quick ? 3 : 5, settings));
  const revocation = await section("CRL publication", () => revocationStatusInOwnProcess(quick ? 10_000 : 100_000));
  writeReport({ rows, workers, durationMs, quick, notes }, { engine, steps, bundle, revocation, workerdDoCalls });
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function runTarget(
  name: string,
  start: () => Promise<Target>,
  setupFor: (url: string) => WorkloadSetup,
  workloads: readonly WorkloadName[] = WORKLOADS,
  targetWorkers = workers,
): Promise<void> {
  let server: Target;
  try {
    server = await start();
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    console.error(`${name}: could not start: ${message}`);
    for (const workload of workloads) rows.push({ target: name, workers: targetWorkers, workload, skipped: `could not start: ${message}` });
    return;
  }
  try {
    let rrPool = 200;
    for (const workload of workloads) {
      const row = await measure(name, server, workload, setupFor(server.url), rrPool, targetWorkers);
      rows.push(row);
      // Enough certificates for rr to run the whole duration at ir's pace (rr is usually no slower).
      if (workload === "mac-ir" && row.load) rrPool = Math.min(20_000, Math.max(200, Math.ceil(row.load.perSecond * (durationMs / 1000) * 1.5)));
    }
  } finally {
    await server.stop();
  }
}

async function section<T>(name: string, run: () => Promise<T>): Promise<T | string> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${name}: failed: ${message}`);
    return message;
  }
}
