import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkAnswer } from "../../fuzz/oracle.js";
import { makeTarget, type Target } from "../../fuzz/target.js";

// Every finding of the fuzzer, kept: the message as found, the profile and
// the clock it was sent with, and what was wrong. Each must now pass the
// oracle (an answer, DER, no escaped exception, no systemFailure, no state
// change on failure).
const DIR = join(import.meta.dirname, "../fixtures/fuzz");
const findings = readdirSync(DIR).filter((file) => file.endsWith(".json")).sort();

describe("fuzzer findings (test/fixtures/fuzz)", () => {
  let target: Target;
  beforeAll(async () => {
    target = await makeTarget();
  });

  it("has findings to replay", () => {
    expect(findings.length).toBeGreaterThan(0);
  });

  it.each(findings)("%s is answered as the oracle demands", async (file) => {
    const note = JSON.parse(readFileSync(join(DIR, file), "utf8")) as { problem: string; time: string; profile: string };
    const message = new Uint8Array(readFileSync(join(DIR, file.replace(/\.json$/, ".der"))));
    target.reset();
    target.clock.now = new Date(note.time);
    target.store.begin();
    target.warnings.length = 0;
    let outcome: Parameters<typeof checkAnswer>[1];
    try {
      outcome = { answer: await target.handle(message, note.profile) };
    } catch (thrown) {
      outcome = { thrown };
    }
    expect(await checkAnswer(target, outcome), `was: ${note.problem}`).toBeUndefined();
  });
});
