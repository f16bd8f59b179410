import { describe, expect, it } from "vitest";
import { createApp, type AppDeps, type HandleCmp } from "../../src/http/app.js";
import { DRAIN_MAX_BYTES } from "../../src/http/read_body.js";
import { loadConfig } from "../../src/config/load.js";
import type { JellyfishConfig } from "../../src/config/profile.js";
import type { CmpAnswer, EngineContext } from "../../src/cmp/engine_types.js";
import { stalledStream } from "../support/stalled_stream.js";

const MAX = 64;
const loaded = loadConfig({ JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: {}, iot: {} } }) });
// Below the loader's 1024-byte floor on purpose, to reach the limit with small bodies.
const config: JellyfishConfig = { ...loaded, limits: { ...loaded.limits, maxRequestBytes: MAX } };

interface Call {
  request: Uint8Array;
  profile: string;
  ctx: EngineContext;
}

/** An app whose engine records its calls and answers `answer` (or throws it). */
function setup(answer: Partial<CmpAnswer> | Error = {}, options: { clock?: () => number; log?: (l: object) => void; deadline?: AppDeps["deadline"] } = {}) {
  const calls: Call[] = [];
  const lines: Array<Record<string, unknown>> = [];
  // The engine context is opaque to the app; a unique object shows it is passed through.
  const ctx = { marker: Symbol("ctx") } as unknown as EngineContext;
  const handleCmp: HandleCmp = async (request, p, c) => {
    calls.push({ request, profile: p.name, ctx: c });
    if (answer instanceof Error) throw answer;
    const body = answer.body ?? Uint8Array.from([0x30, 0x00, request.length]);
    return {
      httpStatus: answer.httpStatus ?? 200,
      body,
      log: answer.log ?? { profile: p.name, bodyType: "ir", outcome: "accepted", transactionID: "0a0b" },
    };
  };
  const app = createApp({
    config,
    context: () => ctx,
    log: options.log ?? ((line) => lines.push(line as Record<string, unknown>)),
    handleCmp,
    clock: options.clock,
    deadline: options.deadline,
  });
  return { app, calls, lines, ctx };
}

const CMP = { "content-type": "application/pkixcmp" };
const DER = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02]);

function post(path: string, body: RequestInit["body"] = DER, headers: Record<string, string> = CMP): Request {
  return new Request(`http://127.0.0.1${path}`, { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

describe("createApp routes", () => {
  it("hands the exact request bytes and the default profile to the engine at /.well-known/cmp", async () => {
    const { app, calls, ctx } = setup();
    const res = await app.request(post("/.well-known/cmp"));
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(Array.from(calls[0]!.request)).toEqual(Array.from(DER));
    expect(calls[0]!.profile).toBe("default");
    expect(calls[0]!.ctx).toBe(ctx);
  });

  it.each([
    ["/.well-known/cmp/p/iot", "iot"],
    ["/.well-known/cmp/p/iot/initialization", "iot"],
    ["/.well-known/cmp/p/iot/some-other-label", "iot"],
    ["/.well-known/cmp/certification", "default"],
    ["/.well-known/cmp/p/default", "default"],
    ["/.well-known/cmp/", "default"],
  ])("serves %s with profile %s", async (path, expected) => {
    const { app, calls } = setup();
    const res = await app.request(post(path));
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.profile)).toEqual([expected]);
  });

  it.each(["/.well-known/cmp/p/nope", "/.well-known/cmp/p/nope/initialization", "/.well-known/cmp/p"])(
    "answers 404 for %s without calling the engine",
    async (path) => {
      const { app, calls } = setup();
      const res = await app.request(post(path));
      expect(res.status).toBe(404);
      expect(calls).toHaveLength(0);
    },
  );

  it("names the unknown profile problem in a short text body and logs it", async () => {
    const { app, lines } = setup();
    const res = await app.request(post("/.well-known/cmp/p/nope"));
    expect(await res.text()).toBe("unknown profile");
    expect(lines).toEqual([expect.objectContaining({ profile: "nope", status: 404, outcome: "rejected" })]);
  });

  it("answers paths outside /.well-known/cmp with 404", async () => {
    const { app, calls } = setup();
    expect((await app.request(post("/cmp"))).status).toBe(404);
    expect((await app.request(post("/.well-known/cmp/a/b/c"))).status).toBe(404);
    expect(calls).toHaveLength(0);
  });
});

describe("createApp HTTP checks", () => {
  it.each(["GET", "PUT", "DELETE", "OPTIONS", "HEAD"])("answers %s with 405 and Allow: POST", async (method) => {
    const { app, calls } = setup();
    const res = await app.request("http://127.0.0.1/.well-known/cmp/p/iot", { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(calls).toHaveLength(0);
  });

  it.each(["application/PKIXCMP", "application/pkixcmp; charset=binary"])("accepts Content-Type %s", async (type) => {
    const { app } = setup();
    const res = await app.request(post("/.well-known/cmp", DER, { "content-type": type }));
    expect(res.status).toBe(200);
  });

  it.each<Record<string, string>>([{ "content-type": "application/octet-stream" }, { "content-type": "text/plain" }, {}])(
    "answers 415 for headers %j",
    async (headers) => {
      const { app, calls } = setup();
      const res = await app.request(post("/.well-known/cmp", DER, headers));
      expect(res.status).toBe(415);
      expect(calls).toHaveLength(0);
    },
  );

  it("accepts a body of exactly maxRequestBytes", async () => {
    const { app, calls } = setup();
    const res = await app.request(post("/.well-known/cmp", new Uint8Array(MAX)));
    expect(res.status).toBe(200);
    expect(calls[0]!.request.length).toBe(MAX);
  });

  it("answers 413 for a body one byte over maxRequestBytes", async () => {
    const { app, calls } = setup();
    const res = await app.request(post("/.well-known/cmp", new Uint8Array(MAX + 1)));
    expect(res.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it("answers 413 from Content-Length alone", async () => {
    const { app, calls } = setup();
    const res = await app.request(post("/.well-known/cmp", DER, { ...CMP, "content-length": String(MAX + 1) }));
    expect(res.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it("answers 408 and closes the connection when the body is not complete by the deadline", async () => {
    let reach!: () => void;
    const asked: number[] = [];
    const { app, calls, lines } = setup({}, {
      deadline: (milliseconds) => {
        asked.push(milliseconds);
        return { reached: new Promise<void>((resolve) => (reach = resolve)), clear: () => undefined };
      },
    });
    const stalled = stalledStream();
    const answering = app.request(post("/.well-known/cmp", stalled));
    await new Promise((resolve) => setTimeout(resolve, 0));
    reach();
    const res = await answering;
    expect(res.status).toBe(408);
    expect(res.headers.get("connection")).toBe("close");
    expect(asked).toEqual([config.limits.bodyReadTimeoutSeconds * 1000]);
    expect(calls).toHaveLength(0);
    expect(lines).toContainEqual(expect.objectContaining({ outcome: "rejected", status: 408 }));
  });

  it("answers 413 for a chunked body that grows past the limit", async () => {
    const { app, calls } = setup();
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 4096;
        controller.enqueue(new Uint8Array(4096));
      },
    });
    const res = await app.request(post("/.well-known/cmp", stream));
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    // Read to the end up to DRAIN_MAX_BYTES past the limit, then given up (src/http/read_body.ts).
    expect(sent).toBeLessThanOrEqual(MAX + DRAIN_MAX_BYTES + 4096 * 2);
    expect(calls).toHaveLength(0);
  });
});

describe("createApp answers", () => {
  it("frames the engine's answer exactly: status, media type without parameters, Content-Length, bytes", async () => {
    const body = Uint8Array.from([0x30, 0x81, 0x80, ...new Uint8Array(128).fill(7)]);
    const { app } = setup({ body });
    const res = await app.request(post("/.well-known/cmp"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pkixcmp");
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(res.headers.get("transfer-encoding")).toBeNull();
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
  });

  it("passes the engine's 400 for a non-PKIMessage through with its body", async () => {
    const body = Uint8Array.from([0x30, 0x01, 0x00]);
    const { app } = setup({ httpStatus: 400, body, log: { profile: "default", outcome: "error", failInfo: ["badDataFormat"] } });
    const res = await app.request(post("/.well-known/cmp", Uint8Array.from([1, 2, 3])));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/pkixcmp");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
  });

  it("writes one log line per message: the engine's fields, status, time and elapsed ms", async () => {
    let now = Date.UTC(2026, 0, 2, 3, 4, 5, 600);
    const clock = () => {
      const t = now;
      now += 7;
      return t;
    };
    const log = { profile: "iot", transactionID: "00ff", bodyType: "ir", outcome: "accepted", responseType: "ip", serial: "0a" };
    const { app, lines } = setup({ log }, { clock });
    await app.request(post("/.well-known/cmp/p/iot"));
    expect(lines).toEqual([{ time: "2026-01-02T03:04:05.600Z", ...log, status: 200, ms: 7 }]);
  });

  it("answers 500 with a generic text when the engine throws, and logs the error", async () => {
    const { app, lines } = setup(new TypeError("secret detail at line 42"));
    const res = await app.request(post("/.well-known/cmp/p/iot"));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toBe("internal error");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ profile: "iot", outcome: "internal-error", status: 500 });
    expect(lines[0]!.error).toBe("TypeError: secret detail at line 42");
    expect(String(lines[0]!.stack)).toContain("TypeError");
  });

  it("answers 500 when building the engine context fails", async () => {
    const lines: object[] = [];
    const app = createApp({
      config,
      context: async () => {
        throw new Error("store unavailable");
      },
      log: (l) => lines.push(l),
      handleCmp: async () => {
        throw new Error("must not be reached");
      },
    });
    const res = await app.request(post("/.well-known/cmp"));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("internal error");
    expect(lines).toEqual([expect.objectContaining({ error: "Error: store unavailable" })]);
  });

  it("still answers when the log sink throws", async () => {
    const { app } = setup({}, {
      log: () => {
        throw new Error("log sink down");
      },
    });
    const res = await app.request(post("/.well-known/cmp"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pkixcmp");
  });
});
