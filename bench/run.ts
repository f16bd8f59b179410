import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { encodePem } from "../src/asn1/pem.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { oneConnectionFetch } from "../test/support/one_connection_fetch.js";
import { makeKey } from "../test/support/openssl.js";
import { opensslCa } from "../test/support/openssl_ca.js";
import { certificateFromFile, signerFromFile } from "../test/client/keys.js";
import { bundleMeasures, type BundleResult } from "./bundle.js";
import { startMiniflareTarget } from "./miniflare_target.js";
import { durableObjectCallsInWorkerd } from "./do_calls.js";
import { engineInOwnProcess, type EngineResult } from "./engine.js";
import { revocationStatusInOwnProcess, type RevocationStatusResult } from "./revocation_status.js";
import { KeyPool, runLoad } from "./load.js";
import { measureSteps, type StepsResult } from "./steps_measure.js";
import { buildSummary, summaryLines, TARGETS, type Row } from "./summary.js";
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
  report(engine, steps, bundle, revocation, workerdDoCalls);
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

/** The CRL section (bench/revocation_status.ts): each figure beside its same-run reference. */
function revocationLines(result: RevocationStatusResult | string): string[] {
  const lines = ["## Revocation status: CRL (in-process, MemoryStore)", ""];
  if (typeof result === "string") return [...lines, `failed: ${result}`];
  const ratio = (value: number, reference: number | undefined) => (reference ? `${(value / reference).toFixed(2)}×` : "–");
  lines.push("| measure | Jellyfish | reference | reference is | ratio |", "| --- | ---: | ---: | --- | ---: |");
  lines.push(
    `| CRL regeneration at ${result.revoked} revoked (${(result.crlBytes / 1e6).toFixed(1)} MB) | ${result.regenerate.wallMs.toFixed(0)} ms wall, ${result.regenerate.cpuMs.toFixed(0)} ms CPU | ${digits(result.opensslGencrl?.wallMs, 0)} ms wall | openssl ca -gencrl, same count | ${ratio(result.regenerate.wallMs, result.opensslGencrl?.wallMs)} |`,
    `| CRL fetch, CPU per request (current CRL, cached DER) | ${result.fetchMicroseconds.toFixed(0)} µs | ${result.staticFetchMicroseconds.toFixed(0)} µs | the same bytes from a route that looks nothing up | ${ratio(result.fetchMicroseconds, result.staticFetchMicroseconds)} |`,
    `| revocation (record, index entry, revision), CPU | ${result.revokeMicroseconds.toFixed(0)} µs | | | |`,
  );
  return lines;
}

function machine(): Record<string, string | number> {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  let opensslVersion = "unknown";
  try {
    opensslVersion = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
  } catch {
    // Reported as unknown.
  }
  return { cpu: model, cores: cpus().length, node: process.version, openssl: opensslVersion };
}

function digits(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/** A row's client CPU over its elapsed time, in % of one core. */
function clientBusy(row: Row): number | undefined {
  if (!row.load || row.clientCpuMsPerTransaction === undefined || row.load.elapsedMs <= 0) return undefined;
  return (100 * row.clientCpuMsPerTransaction * row.load.completed) / row.load.elapsedMs;
}

/**
 * How far the throughput ratio could go on this machine: client and server
 * share its cores, so Jellyfish can serve at most cores / (client + server
 * CPU per enrollment), and at most cores / client CPU even with a server
 * that cost nothing. Shown beside the ratio so that a reader can tell a slow
 * server from a ceiling set by the machine and the client.
 */
function ratioCeiling(mockPerSecond: number | undefined): string {
  const row = rows.find((candidate) => candidate.target === "Jellyfish (Node)" && candidate.workload === "mac-ir");
  const client = row?.clientCpuMsPerTransaction;
  const server = row?.serverCpuMsPerTransaction;
  if (!mockPerSecond || client === undefined || server === undefined) return "";
  const cores = cpus().length;
  const asMeasured = (cores * 1000) / (client + server) / mockPerSecond;
  const freeServer = (cores * 1000) / client / mockPerSecond;
  return ` (ceiling on ${cores} shared cores with this client: ${asMeasured.toFixed(2)}× at this server's CPU, ${freeServer.toFixed(2)}× for a server that cost nothing)`;
}

/** Issue 7's targets, each beside what this run measured (for reading; nothing fails on them). Issue 15's are in the summary (bench/summary.ts). */
function targets(engine: EngineResult | string, bundle: BundleResult | string): string[] {
  const verdict = (met: boolean | undefined) => (met === undefined ? "not measured" : met ? "met" : "not met");
  const lines = ["## Targets", "", "| target | measured | |", "| --- | ---: | --- |"];
  const ir = typeof engine === "string" ? undefined : engine.perMessage["ir (MAC)"]?.microseconds;
  const certConf = typeof engine === "string" ? undefined : engine.perMessage["certConf (MAC)"]?.microseconds;
  const enrollment = ir !== undefined && certConf !== undefined ? ir + certConf : undefined;
  const median = typeof engine === "string" ? undefined : (engine.perMessage["ir (MAC)"]?.median ?? NaN) + (engine.perMessage["certConf (MAC)"]?.median ?? NaN);
  lines.push(
    `| engine CPU per MAC enrollment (ir + certConf) ≤ 1000 µs | ${digits(enrollment, 0)} µs (median ${digits(median, 0)} µs) | ${verdict(enrollment === undefined ? undefined : enrollment <= 1000)} |`,
  );
  const node = rows.find((row) => row.target === "Jellyfish (Node)" && row.workload === "mac-ir")?.load?.perSecond;
  const mock = rows.find((row) => row.target === "OpenSSL mock" && row.workload === "mac-ir")?.load?.perSecond;
  const ratio = node !== undefined && mock ? node / mock : undefined;
  lines.push(`| Jellyfish on Node ≥ 3× the mock's MAC enrollments/s | ${digits(ratio, 2)}×${ratioCeiling(mock)} | ${verdict(ratio === undefined ? undefined : ratio >= 3)} |`);
  const gzip = typeof bundle === "string" ? undefined : bundle.withoutAwsSdk.gzipBytes / 1024;
  lines.push(`| Worker bundle without the AWS SDK < 150 KiB gzip | ${digits(gzip, 0)} KiB | ${verdict(gzip === undefined ? undefined : gzip < 150)} |`);
  return lines;
}

function report(
  engine: EngineResult | string,
  steps: StepsResult | string,
  bundle: BundleResult | string,
  revocation: RevocationStatusResult | string,
  workerdDoCalls: number | string,
): void {
  const summary = buildSummary(rows, engine, steps, bundle, workerdDoCalls);
  const when = new Date().toISOString();
  const host = machine();
  const reference = (workload: WorkloadName) => rows.find((row) => row.target === "OpenSSL mock" && row.workload === workload && row.load?.completed);
  const lines: string[] = [];
  lines.push(`# Jellyfish benchmark, ${when}`, "");
  lines.push(`Machine: ${host.cpu}, ${host.cores} cores; Node ${host.node}; ${host.openssl}.`);
  lines.push(`Load: ${workers} concurrent workers (see the workers column), ${durationMs / 1000} s per target and workload${quick ? " (--quick)" : ""}; loopback HTTP, keep-alive.`, "");
  lines.push("| target | workload | workers | transactions/s | p50 ms | p99 ms | server CPU ms / transaction | client CPU ms / transaction | client busy | throughput vs mock | CPU vs mock | failed |");
  lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    if (!row.load || row.skipped) {
      lines.push(`| ${row.target} | ${row.workload} | ${row.workers} | skipped: ${(row.skipped ?? "").replace(/\|/g, "/").slice(0, 160)} | | | | | | | | |`);
      continue;
    }
    const ref = reference(row.workload);
    const throughputRatio = ref?.load && row.target !== "OpenSSL mock" ? row.load.perSecond / ref.load.perSecond : undefined;
    const cpuRatio = ref?.serverCpuMsPerTransaction && row.target !== "OpenSSL mock" && row.serverCpuMsPerTransaction !== undefined
      ? row.serverCpuMsPerTransaction / ref.serverCpuMsPerTransaction
      : undefined;
    lines.push(
      `| ${row.target} | ${row.workload} | ${row.workers} | ${digits(row.load.perSecond, 1)} | ${digits(row.load.p50Ms, 2)} | ${digits(row.load.p99Ms, 2)} | ${digits(row.serverCpuMsPerTransaction, 2)} | ${digits(row.clientCpuMsPerTransaction, 2)} | ${digits(clientBusy(row), 0)} % | ${throughputRatio === undefined ? "–" : `${throughputRatio.toFixed(2)}×`} | ${cpuRatio === undefined ? "–" : `${cpuRatio.toFixed(2)}×`} | ${row.load.failed} |`,
    );
  }
  lines.push("", "Workloads: mac-ir = ir with PBM MAC + certConf (one transaction = two messages); sig-cr = cr signed with an enrolled certificate + certConf; rr = rr signed by the holder of the certificate it revokes.");
  lines.push("Server CPU: utime+stime from /proc/<pid>/stat before and after each run (workerd processes only, for the workerd targets; 'Jellyfish (workerd)' runs under wrangler dev, whose proxy Worker runs in the same workerd; 'no wrangler' is the deployed bundle in Miniflare), divided by the transactions completed. CPU vs mock > 1 means more CPU than the mock per transaction. Client CPU: this process (load generator and client library, all threads) per transaction; client busy is that CPU over the run's time, in % of one core. Near 100 % the load generator, a single JavaScript thread, sets the pace, not the server.", "");
  lines.push("## Engine alone (handleCmp + MemoryStore, in-process fetch, no HTTP)", "");
  if (typeof engine === "string") lines.push(`failed: ${engine}`);
  else {
    lines.push("| message | CPU µs / message, mean | median | measured |", "| --- | ---: | ---: | ---: |");
    for (const [kind, value] of Object.entries(engine.perMessage)) {
      lines.push(`| ${kind} | ${value.microseconds.toFixed(0)} | ${value.median.toFixed(0)} | ${value.count} |`);
    }
    lines.push("", "The mean carries the garbage collections that fall into a message (the client's garbage too, as it runs in the same process); the median is the typical message.");
    const ir = engine.perMessage["ir (MAC)"]?.median;
    const ocsp = Object.entries(engine.perMessage).filter(([kind]) => kind.startsWith("OCSP"));
    if (ir && ocsp.length > 0) {
      lines.push(
        "",
        `OCSP rows: answerOcsp (src/ocsp/responder.ts) on the same store, a request as openssl ocsp sends it (one SHA-1 CertID, a nonce), for certificates issued above; median vs ir (MAC) in this run: ${ocsp.map(([kind, value]) => `${kind.replace(/^OCSP, /, "")} ${(value.median / ir).toFixed(2)}×`).join(", ")}.`,
      );
    }
    for (const failure of engine.failures) lines.push("", `failure: ${failure}`);
  }
  lines.push("", "## Worker bundle", "");
  if (typeof bundle === "string") lines.push(`failed: ${bundle}`);
  else {
    const kib = (bytes: number) => (bytes / 1024).toFixed(0);
    lines.push(
      `Main module as deployed (wrangler.toml: minified, with the AWS SDK for the KMS signer): ${kib(bundle.rawBytes)} KiB, ${kib(bundle.gzipBytes)} KiB gzip (node:zlib level 9).`,
      "",
      `Without the AWS SDK (the same build with @aws-sdk/client-kms aliased to a stub): ${kib(bundle.withoutAwsSdk.rawBytes)} KiB, ${kib(bundle.withoutAwsSdk.gzipBytes)} KiB gzip.`,
      "",
    );
    lines.push(
      `Start-up: median ${bundle.miniflareReadyMs.toFixed(0)} ms from new Miniflare() to the first answer with the Jellyfish bundle, against ${bundle.emptyWorkerReadyMs.toFixed(0)} ms for an empty Worker (workerd process start included in both; the difference is roughly module load, evaluation and first request).`,
    );
  }
  lines.push("", ...revocationLines(revocation));
  lines.push("", ...summaryLines(summary));
  if (typeof steps === "string") lines.push("", `crypto floor failed: ${steps}`);
  if (typeof workerdDoCalls === "string") lines.push("", `Durable Object calls in workerd: failed: ${workerdDoCalls}`);
  lines.push("", ...targets(engine, bundle));
  if (notes.length) lines.push("", "## Notes", "", ...notes.map((note) => `- ${note}`));
  const markdown = `${lines.join("\n")}\n`;
  process.stdout.write(markdown);
  const results = join(ROOT, "bench/results");
  mkdirSync(results, { recursive: true });
  const stem = join(results, when.replace(/:/g, "-"));
  writeFileSync(`${stem}.md`, markdown);
  writeFileSync(`${stem}.json`, `${JSON.stringify({ when, machine: host, quick, workers, durationMs, ...summary, targets: TARGETS, rows, engine, steps, bundle, revocation, notes }, null, 2)}\n`);
  writeFileSync(join(results, "latest.md"), markdown);
}
