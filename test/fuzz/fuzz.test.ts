import { describe, expect, it } from "vitest";
import { runFuzz } from "../../fuzz/fuzzer.js";

// A short run of `npm run fuzz` (fuzz/): structure-aware mutations of the
// openssl cmp seed corpus through the engine, every answer checked by the
// oracle (fuzz/oracle.ts). Deterministic for its seed; no CPU bound here,
// since a test must not fail because the machine was slow (`npm run fuzz`
// checks the bound).
describe("npm run fuzz, short", () => {
  it("finds nothing in 20 000 mutated messages, and reaches every handler", async () => {
    const summary = await runFuzz({ count: 20_000, seconds: 300, seed: 20261204, cpuBoundMs: Number.POSITIVE_INFINITY });
    expect(summary.findings.map((finding) => `${finding.problem} (${finding.seed}: ${finding.mutations.join("; ")})`)).toEqual([]);
    // The mutations get past protection: every kind of success is among the answers.
    for (const answer of ["ip", "cp", "kup", "rp", "pkiconf", "pollRep"]) expect(summary.answers[answer], answer).toBeGreaterThan(0);
    expect(summary.messages).toBeGreaterThan(1000);
  }, 400_000);
});
