import { describe, expect, it } from "vitest";
import type { BundleResult } from "../../bench/bundle.js";
import type { EngineResult } from "../../bench/engine.js";
import type { LoadResult } from "../../bench/load.js";
import type { StepsResult } from "../../bench/steps_measure.js";
import { buildSummary, MOCK, NODE, summaryLines, WORKERD, type Row } from "../../bench/summary.js";

const load = (perSecond: number): LoadResult => ({ completed: 100, failed: 0, elapsedMs: 1000, perSecond, p50Ms: 1, p99Ms: 2 });
const row = (target: string, workload: Row["workload"], perSecond: number, server: number, client: number): Row => ({
  target,
  workers: 8,
  workload,
  load: load(perSecond),
  serverCpuMsPerTransaction: server,
  clientCpuMsPerTransaction: client,
});

const rows: Row[] = [
  row(NODE, "mac-ir", 400, 2, 2.4),
  row(NODE, "sig-cr", 300, 3, 3),
  row(NODE, "rr", 500, 1, 1),
  row(WORKERD, "mac-ir", 200, 4, 2.5),
  { target: WORKERD, workers: 8, workload: "sig-cr", skipped: "could not start" },
  row(MOCK, "mac-ir", 200, 2.5, 1),
  row(MOCK, "sig-cr", 100, 6, 1),
];
const engine: EngineResult = {
  perMessage: {
    "ir (MAC)": { microseconds: 700, median: 600, count: 10 },
    "certConf (MAC)": { microseconds: 500, median: 400, count: 10 },
  },
  storeCalls: {
    "ir (MAC)": { perMessage: 1, byMethod: { create: 1 } },
    "certConf (MAC)": { perMessage: 2, byMethod: { get: 1, compareAndSet: 1 } },
  },
  clientLibrary: { microseconds: 2100, median: 1900, count: 10 },
  failures: [],
};
const steps: StepsResult = { steps: [], cryptoFloorUs: 800, floorParts: { pbmKeyUs: 200, hmacUs: 5, popUs: 180, caSignatureUs: 20 } };
const bundle = { withoutAwsSdk: { gzipBytes: 100 * 1024, rawBytes: 1 } } as BundleResult;

describe("bench summary (issue 15's stable keys)", () => {
  const summary = buildSummary(rows, engine, steps, bundle, 3);

  it("takes each figure from its row, and null where a row was skipped or absent", () => {
    expect(summary.serverCpuMsPerEnrollment).toEqual({
      node: { mac: 2, signature: 3 },
      workerd: { mac: 4, signature: null },
      wranglerDev: { mac: null, signature: null },
    });
    expect(summary.mockServerCpuMsPerEnrollment).toEqual({ mac: 2.5, signature: 6 });
    expect(summary.cpuRatioToMock.node).toEqual({ mac: 0.8, signature: 0.5 });
    expect(summary.cpuRatioToMock.workerd).toEqual({ mac: 1.6, signature: null });
    expect(summary.clientCpuMsPerEnrollment).toBe(1.9);
    expect(summary.loadGeneratorCpuMsPerEnrollment).toEqual({ jellyfishNode: 2.4, mock: 1 });
    expect(summary.throughputRatioToMock).toEqual({ mac: 2, signature: 3, rr: null });
    expect(summary.bundleGzipKiB).toBe(100);
  });

  it("adds the engine's medians, sets them against the floor, and counts store calls per message", () => {
    expect(summary.engineUsPerEnrollment).toBe(1000);
    expect(summary.cryptoFloorUs).toBe(800);
    expect(summary.engineToFloorRatio).toBe(1.25);
    expect(summary.durableObjectCallsPerEnrollment).toEqual({ total: 3, ir: 1, certConf: 2, workerd: 3 });
  });

  it("keeps every key, as null, when a section failed", () => {
    const failed = buildSummary([], "engine failed", "steps failed", "bundle failed", "miniflare failed");
    expect(Object.keys(failed)).toEqual(Object.keys(summary));
    expect(failed.engineUsPerEnrollment).toBeNull();
    expect(failed.engineToFloorRatio).toBeNull();
    expect(failed.durableObjectCallsPerEnrollment).toEqual({ total: null, ir: null, certConf: null, workerd: null });
    expect(failed.bundleGzipKiB).toBeNull();
    expect(failed.clientCpuMsPerEnrollment).toBeNull();
    expect(failed.loadGeneratorCpuMsPerEnrollment).toEqual({ jellyfishNode: null, mock: null });
    // null survives JSON; undefined would drop the key.
    expect(JSON.parse(JSON.stringify(failed))).toEqual(failed);
  });

  it("prints each figure beside its target", () => {
    const table = summaryLines(summary).join("\n");
    expect(table).toContain("| engine / crypto floor | engineToFloorRatio | 1.25× | ≤ 1.5× | met |");
    expect(table).toContain("| Durable Object calls per MAC enrollment | durableObjectCallsPerEnrollment | 3.00 (ir 1.00, certConf 2.00); counted in workerd: 3.00 | ≤ 2 | not met |");
    expect(table).toContain("cpuRatioToMock.workerd.mac | 1.60× | ≤ 1× | not met |");
    expect(table).toContain("not a target");
  });
});
