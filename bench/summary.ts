import type { BundleResult } from "./bundle.js";
import type { EngineResult } from "./engine.js";
import type { LoadResult } from "./load.js";
import type { StepsResult } from "./steps_measure.js";
import type { WorkloadName } from "./workloads.js";

/** One target under one workload in the load run (bench/run.ts). */
export interface Row {
  target: string;
  workers: number;
  workload: WorkloadName;
  load?: LoadResult;
  serverCpuMsPerTransaction?: number;
  /** This process's CPU (the load generator and client library, all threads) per transaction. */
  clientCpuMsPerTransaction?: number;
  skipped?: string;
}

/** The load targets' names as bench/run.ts gives them. */
export const NODE = "Jellyfish (Node)";
export const WRANGLER_DEV = "Jellyfish (workerd)";
export const WORKERD = "Jellyfish (workerd, no wrangler)";
export const MOCK = "OpenSSL mock";

/** A figure for a MAC enrollment (mac-ir: ir + certConf) and a signature one (sig-cr: cr + certConf); null when not measured. */
export interface ByProtection {
  mac: number | null;
  signature: number | null;
}

/** The same per Jellyfish target: node (bench/node_target.ts), workerd (the deployed bundle in Miniflare), wranglerDev (wrangler dev, its proxy Worker's CPU included). */
export interface ByTarget {
  node: ByProtection;
  workerd: ByProtection;
  wranglerDev: ByProtection;
}

/**
 * Issue 15's figures under stable top-level keys of the result JSON, all
 * from one run. A figure that was not measured is null (never absent), so
 * that a reader of old and new results finds the same keys.
 */
export interface Summary {
  /** Jellyfish server CPU ms per enrollment under load (utime + stime of the server processes / transactions). */
  serverCpuMsPerEnrollment: ByTarget;
  /** The OpenSSL mock's CPU ms per enrollment in the same run. */
  mockServerCpuMsPerEnrollment: ByProtection;
  /** serverCpuMsPerEnrollment / mockServerCpuMsPerEnrollment, per target and protection. Target ≤ 1. */
  cpuRatioToMock: ByTarget;
  /** Engine alone (bench/engine.ts): median CPU µs of ir (MAC) + median of certConf (MAC). */
  engineUsPerEnrollment: number | null;
  /** The crypto floor of one MAC enrollment (bench/steps_measure.ts): 2 PBM keys + 4 HMACs + POP verify + CA signature, µs. */
  cryptoFloorUs: number | null;
  /** engineUsPerEnrollment / cryptoFloorUs. Target ≤ 1.5. */
  engineToFloorRatio: number | null;
  /**
   * Durable Object calls per MAC enrollment. total, ir, certConf: Store
   * calls in the engine microbenchmark, each one Durable Object call on
   * Workers (bench/counting_store.ts says why). workerd: the calls the
   * StoreObject itself received per enrollment in workerd (bench/do_calls.ts),
   * which should equal total. Target 2.
   */
  durableObjectCallsPerEnrollment: { total: number | null; ir: number | null; certConf: number | null; workerd: number | null };
  /**
   * The client library's own CPU ms per MAC enrollment (median), in process
   * with the engine: no HTTP client (bench/engine.ts). Target ≤ 2.5.
   */
  clientCpuMsPerEnrollment: number | null;
  /**
   * The load generator's CPU ms per MAC enrollment against Jellyfish on
   * Node: the client library, Node's HTTP client and the load generator,
   * at full load on cores shared with the server. For reading beside the
   * mock row's, which runs the same client.
   */
  loadGeneratorCpuMsPerEnrollment: { jellyfishNode: number | null; mock: number | null };
  /** Jellyfish on Node's transactions/s over the mock's: for reading, not a target (docs/performance.md says why). */
  throughputRatioToMock: { mac: number | null; signature: number | null; rr: number | null };
  /** The Worker bundle's main module without the AWS SDK, gzip level 9, KiB. Target ≤ 101. */
  bundleGzipKiB: number | null;
}

/** Issue 15's targets, for reading beside the figures (nothing asserts on them). */
export const TARGETS = {
  cpuRatioToMock: 1,
  engineToFloorRatio: 1.5,
  durableObjectCallsPerEnrollment: 2,
  clientCpuMsPerEnrollment: 2.5,
  bundleGzipKiB: 101,
} as const;

const WORKLOAD_OF = { mac: "mac-ir", signature: "sig-cr" } as const;

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  return numerator !== null && denominator ? numerator / denominator : null;
}

export function buildSummary(
  rows: readonly Row[],
  engine: EngineResult | string,
  steps: StepsResult | string,
  bundle: BundleResult | string,
  workerdDoCalls: number | string = "not measured",
): Summary {
  const row = (target: string, workload: WorkloadName) =>
    rows.find((candidate) => candidate.target === target && candidate.workload === workload && !candidate.skipped && candidate.load?.completed);
  const serverCpu = (target: string): ByProtection => ({
    mac: finite(row(target, WORKLOAD_OF.mac)?.serverCpuMsPerTransaction),
    signature: finite(row(target, WORKLOAD_OF.signature)?.serverCpuMsPerTransaction),
  });
  const mock = serverCpu(MOCK);
  const server: ByTarget = { node: serverCpu(NODE), workerd: serverCpu(WORKERD), wranglerDev: serverCpu(WRANGLER_DEV) };
  const toMock = (figures: ByProtection): ByProtection => ({ mac: ratio(figures.mac, mock.mac), signature: ratio(figures.signature, mock.signature) });
  const throughput = (workload: WorkloadName) => ratio(finite(row(NODE, workload)?.load?.perSecond), finite(row(MOCK, workload)?.load?.perSecond));

  const measured = typeof engine === "string" ? undefined : engine;
  const ir = measured?.perMessage["ir (MAC)"]?.median;
  const certConf = measured?.perMessage["certConf (MAC)"]?.median;
  const engineUs = ir !== undefined && certConf !== undefined ? finite(ir + certConf) : null;
  const floor = typeof steps === "string" ? null : finite(steps.cryptoFloorUs);
  const irCalls = finite(measured?.storeCalls?.["ir (MAC)"]?.perMessage);
  const certConfCalls = finite(measured?.storeCalls?.["certConf (MAC)"]?.perMessage);
  return {
    serverCpuMsPerEnrollment: server,
    mockServerCpuMsPerEnrollment: mock,
    cpuRatioToMock: { node: toMock(server.node), workerd: toMock(server.workerd), wranglerDev: toMock(server.wranglerDev) },
    engineUsPerEnrollment: engineUs,
    cryptoFloorUs: floor,
    engineToFloorRatio: ratio(engineUs, floor),
    durableObjectCallsPerEnrollment: {
      total: irCalls !== null && certConfCalls !== null ? irCalls + certConfCalls : null,
      ir: irCalls,
      certConf: certConfCalls,
      workerd: typeof workerdDoCalls === "string" ? null : finite(workerdDoCalls),
    },
    clientCpuMsPerEnrollment: measured?.clientLibrary ? finite(measured.clientLibrary.median / 1000) : null,
    loadGeneratorCpuMsPerEnrollment: {
      jellyfishNode: finite(row(NODE, WORKLOAD_OF.mac)?.clientCpuMsPerTransaction),
      mock: finite(row(MOCK, WORKLOAD_OF.mac)?.clientCpuMsPerTransaction),
    },
    throughputRatioToMock: { mac: throughput("mac-ir"), signature: throughput("sig-cr"), rr: throughput("rr") },
    bundleGzipKiB: typeof bundle === "string" ? null : bundle.withoutAwsSdk.gzipBytes / 1024,
  };
}

function shown(value: number | null, digits: number, unit = ""): string {
  return value === null ? "–" : `${value.toFixed(digits)}${unit}`;
}

function verdict(value: number | null, target: number): string {
  if (value === null) return "not measured";
  return value <= target ? "met" : "not met";
}

/** The summary as a Markdown section: each figure, its JSON key, and its target beside it. */
export function summaryLines(summary: Summary): string[] {
  const s = summary;
  const pair = (figures: ByProtection, digits: number, unit = "") => `MAC ${shown(figures.mac, digits, unit)}, signature ${shown(figures.signature, digits, unit)}`;
  const lines = [
    "## Summary (issue 15)",
    "",
    "Each figure under its top-level key in the JSON; targets are for reading, nothing fails on them. MAC = ir + certConf, signature = cr + certConf; workerd = the deployed bundle in Miniflare, wrangler dev includes its proxy Worker.",
    "",
    "| figure | JSON key | measured | target | |",
    "| --- | --- | --- | ---: | --- |",
  ];
  const add = (figure: string, key: string, measured: string, target: string, met: string) => lines.push(`| ${figure} | ${key} | ${measured} | ${target} | ${met} |`);
  add("server CPU per enrollment, Node", "serverCpuMsPerEnrollment.node", pair(s.serverCpuMsPerEnrollment.node, 2, " ms"), "", "");
  add("server CPU per enrollment, workerd", "serverCpuMsPerEnrollment.workerd", pair(s.serverCpuMsPerEnrollment.workerd, 2, " ms"), "", "");
  add("server CPU per enrollment, wrangler dev", "serverCpuMsPerEnrollment.wranglerDev", pair(s.serverCpuMsPerEnrollment.wranglerDev, 2, " ms"), "", "");
  add("OpenSSL mock CPU per enrollment", "mockServerCpuMsPerEnrollment", pair(s.mockServerCpuMsPerEnrollment, 2, " ms"), "", "");
  for (const target of ["node", "workerd", "wranglerDev"] as const) {
    const { mac, signature } = s.cpuRatioToMock[target];
    add(`server CPU / mock CPU, ${target}, MAC`, `cpuRatioToMock.${target}.mac`, shown(mac, 2, "×"), `≤ ${TARGETS.cpuRatioToMock}×`, verdict(mac, TARGETS.cpuRatioToMock));
    add(`server CPU / mock CPU, ${target}, signature`, `cpuRatioToMock.${target}.signature`, shown(signature, 2, "×"), `≤ ${TARGETS.cpuRatioToMock}×`, verdict(signature, TARGETS.cpuRatioToMock));
  }
  add("engine CPU per MAC enrollment (median ir + median certConf)", "engineUsPerEnrollment", shown(s.engineUsPerEnrollment, 0, " µs"), "", "");
  add("crypto floor of one MAC enrollment", "cryptoFloorUs", shown(s.cryptoFloorUs, 0, " µs"), "", "");
  add("engine / crypto floor", "engineToFloorRatio", shown(s.engineToFloorRatio, 2, "×"), `≤ ${TARGETS.engineToFloorRatio}×`, verdict(s.engineToFloorRatio, TARGETS.engineToFloorRatio));
  const calls = s.durableObjectCallsPerEnrollment;
  add(
    "Durable Object calls per MAC enrollment",
    "durableObjectCallsPerEnrollment",
    `${shown(calls.total, 2)} (ir ${shown(calls.ir, 2)}, certConf ${shown(calls.certConf, 2)}); counted in workerd: ${shown(calls.workerd, 2)}`,
    `≤ ${TARGETS.durableObjectCallsPerEnrollment}`,
    verdict(calls.total, TARGETS.durableObjectCallsPerEnrollment),
  );
  add("client library CPU per MAC enrollment (median, no HTTP client)", "clientCpuMsPerEnrollment", shown(s.clientCpuMsPerEnrollment, 2, " ms"), `≤ ${TARGETS.clientCpuMsPerEnrollment} ms`, verdict(s.clientCpuMsPerEnrollment, TARGETS.clientCpuMsPerEnrollment));
  const load = s.loadGeneratorCpuMsPerEnrollment;
  add(
    "load generator CPU per MAC enrollment (library + Node's HTTP client, at full load)",
    "loadGeneratorCpuMsPerEnrollment",
    `against Jellyfish on Node ${shown(load.jellyfishNode, 2, " ms")}, against the mock ${shown(load.mock, 2, " ms")}`,
    "",
    "for reading",
  );
  add("bundle without the AWS SDK, gzip", "bundleGzipKiB", shown(s.bundleGzipKiB, 1, " KiB"), `≤ ${TARGETS.bundleGzipKiB} KiB`, verdict(s.bundleGzipKiB, TARGETS.bundleGzipKiB));
  const t = s.throughputRatioToMock;
  add(
    "throughput, Node / mock (not a target: docs/performance.md)",
    "throughputRatioToMock",
    `MAC ${shown(t.mac, 2, "×")}, signature ${shown(t.signature, 2, "×")}, rr ${shown(t.rr, 2, "×")}`,
    "",
    "not a target",
  );
  return lines;
}
