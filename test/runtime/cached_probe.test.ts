import { expect, it } from "vitest";
import { cachedProbe, type ProbeOutcome } from "../../src/runtime/cached_probe.js";

// A probe storm costs the backend one call per interval: successes are kept
// longer than failures, and concurrent callers share the call in flight.

function counted(outcomes: ProbeOutcome[]) {
  let calls = 0;
  const probe = async (): Promise<ProbeOutcome> => outcomes[Math.min(calls++, outcomes.length - 1)]!;
  return { probe, calls: () => calls };
}

it("reuses a success for okMs and a failure for failedMs", async () => {
  let now = 0;
  const { probe, calls } = counted([{ ok: true }, { ok: false, reason: "down" }, { ok: true }]);
  const check = cachedProbe(probe, { okMs: 60_000, failedMs: 10_000, clock: () => now });
  expect(await check()).toEqual({ ok: true });
  now = 59_999;
  expect(await check()).toEqual({ ok: true });
  expect(calls()).toBe(1);
  now = 60_000;
  expect(await check()).toEqual({ ok: false, reason: "down" });
  now = 69_999;
  expect(await check()).toEqual({ ok: false, reason: "down" });
  expect(calls()).toBe(2);
  now = 70_000;
  expect(await check()).toEqual({ ok: true });
  expect(calls()).toBe(3);
});

it("shares one call among concurrent callers, and turns a throw into a failure", async () => {
  let calls = 0;
  const check = cachedProbe(
    async () => {
      calls++;
      await new Promise((done) => setTimeout(done, 10));
      throw new Error("refused");
    },
    { okMs: 1000, failedMs: 1000 },
  );
  const outcomes = await Promise.all([check(), check(), check()]);
  expect(outcomes).toEqual(Array(3).fill({ ok: false, reason: "refused" }));
  expect(calls).toBe(1);
});
