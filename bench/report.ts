import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { BundleResult } from "./bundle.js";
import type { EngineResult } from "./engine.js";
import type { RevocationStatusResult } from "./revocation_status.js";
import type { StepsResult } from "./steps_measure.js";
import { buildSummary, summaryLines, TARGETS, type Row } from "./summary.js";
import { ROOT } from "./targets.js";
import type { WorkloadName } from "./workloads.js";

/**
 * The report of `npm run bench` (bench/run.ts): the Markdown printed and
 * written to bench/results/<time>.md and latest.md, and the JSON beside it
 * with issue 15's figures under stable top-level keys (bench/summary.ts).
 * Apart from run.ts, which runs things, so that each stays short.
 */

export interface RunFacts {
  rows: Row[];
  workers: number;
  durationMs: number;
  quick: boolean;
  notes: string[];
}

export interface Sections {
  engine: EngineResult | string;
  steps: StepsResult | string;
  bundle: BundleResult | string;
  revocation: RevocationStatusResult | string;
  /** Durable Object calls per MAC enrollment counted in workerd (bench/do_calls.ts). */
  workerdDoCalls: number | string;
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
function ratioCeiling(rows: readonly Row[], mockPerSecond: number | undefined): string {
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
function targets(rows: readonly Row[], engine: EngineResult | string, bundle: BundleResult | string): string[] {
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
  lines.push(`| Jellyfish on Node ≥ 3× the mock's MAC enrollments/s | ${digits(ratio, 2)}×${ratioCeiling(rows, mock)} | ${verdict(ratio === undefined ? undefined : ratio >= 3)} |`);
  const gzip = typeof bundle === "string" ? undefined : bundle.withoutAwsSdk.gzipBytes / 1024;
  lines.push(`| Worker bundle without the AWS SDK < 150 KiB gzip | ${digits(gzip, 0)} KiB | ${verdict(gzip === undefined ? undefined : gzip < 150)} |`);
  return lines;
}

export function writeReport(facts: RunFacts, sections: Sections): void {
  const { rows, workers, durationMs, quick, notes } = facts;
  const { engine, steps, bundle, revocation, workerdDoCalls } = sections;
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
    // Store calls: each one Durable Object call on Workers (bench/counting_store.ts), by method.
    lines.push("| message | CPU µs / message, mean | median | measured | store calls / message |", "| --- | ---: | ---: | ---: | --- |");
    for (const [kind, value] of Object.entries(engine.perMessage)) {
      const calls = engine.storeCalls?.[kind];
      const byMethod = calls ? Object.entries(calls.byMethod).map(([method, count]) => `${method} ${Number(count.toFixed(2))}`).join(", ") : "";
      lines.push(`| ${kind} | ${value.microseconds.toFixed(0)} | ${value.median.toFixed(0)} | ${value.count} | ${calls ? `${Number(calls.perMessage.toFixed(2))} (${byMethod})` : "–"} |`);
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
  lines.push("", ...targets(rows, engine, bundle));
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
