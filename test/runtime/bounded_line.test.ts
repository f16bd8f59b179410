import { afterEach, describe, expect, it, vi } from "vitest";
import { boundedLine, MAX_LINE_CHARS, MAX_STACK_CHARS, MAX_STRING_CHARS } from "../../src/runtime/bounded_line.js";
import { consoleLog } from "../../src/runtime/log.js";

// Issue 12: a request's long OID or senderKID went into one 60 KB log line.

describe("boundedLine", () => {
  it("leaves an ordinary line as JSON.stringify writes it", () => {
    const line = { time: "2026-12-04T10:00:00.000Z", profile: "default", bodyType: "ir", failInfo: ["badPOP"], status: 200, ms: 3, ok: true };
    expect(boundedLine(line)).toBe(JSON.stringify(line));
  });

  it("cuts a long string with a marker that says how much was left out", () => {
    const parsed = JSON.parse(boundedLine({ senderKID: "k".repeat(60_000) })) as { senderKID: string };
    expect(parsed.senderKID).toBe(`${"k".repeat(MAX_STRING_CHARS)}…[+${60_000 - MAX_STRING_CHARS} chars]`);
  });

  it("gives a stack trace more room than other fields, still bounded", () => {
    const parsed = JSON.parse(boundedLine({ stack: "s".repeat(10_000) })) as { stack: string };
    expect(parsed.stack.startsWith("s".repeat(MAX_STACK_CHARS))).toBe(true);
    expect(parsed.stack.length).toBeLessThan(MAX_STACK_CHARS + 40);
  });

  it("bounds nested values, long lists, many fields, and never throws on BigInt or cycles", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    const text = boundedLine({ oids: Array.from({ length: 30_000 }, (_, i) => `1.2.${i}`), cyclic, wide, big: 2n ** 70n });
    expect(text.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    const parsed = JSON.parse(text) as Record<string, any>;
    expect(parsed.oids).toHaveLength(33);
    expect(parsed.oids.at(-1)).toBe(`…[+${30_000 - 32} items]`);
    expect(JSON.stringify(parsed.cyclic)).toContain("[nested too deep]");
    expect(parsed.wide["…"]).toBe("+68 fields");
    expect(parsed.big).toBe((2n ** 70n).toString());
  });

  it("caps the whole line, keeping the first fields and counting those dropped", () => {
    const line: Record<string, string> = { time: "t", outcome: "error" };
    for (let i = 0; i < 30; i++) line[`field${i}`] = "v".repeat(10_000);
    const text = boundedLine(line);
    expect(text.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toMatchObject({ time: "t", outcome: "error" });
    expect(parsed.droppedFields).toBe(32 - (Object.keys(parsed).length - 1));
  });
});

describe("consoleLog", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("writes every line bounded, stamped with the time", () => {
    const written: string[] = [];
    vi.spyOn(console, "log").mockImplementation((text: string) => void written.push(text));
    consoleLog({ outcome: "error", reason: `bad OID ${"1.".repeat(30_000)}1` });
    expect(written).toHaveLength(1);
    expect(written[0]!.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(JSON.parse(written[0]!)).toMatchObject({ time: expect.any(String), outcome: "error", reason: expect.stringContaining("chars]") });
  });
});
