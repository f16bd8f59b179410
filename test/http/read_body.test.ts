import { describe, expect, it } from "vitest";
import { DRAIN_MAX_BYTES, readBodyWithLimit } from "../../src/http/read_body.js";
import { stalledStream } from "../support/stalled_stream.js";

function post(body: RequestInit["body"], headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

/** A body sent in chunks without Content-Length, as with chunked transfer encoding. */
function chunked(chunks: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[i++];
      if (size === undefined) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(i));
    },
    cancel() {
      onCancel?.();
    },
  });
}

describe("readBodyWithLimit", () => {
  it("returns the exact bytes of a body within the limit", async () => {
    const sent = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02]);
    const result = await readBodyWithLimit(post(sent), 5);
    expect(result).toEqual({ ok: true, bytes: sent });
  });

  it("concatenates a chunked body in order", async () => {
    const result = await readBodyWithLimit(post(chunked([2, 3])), 10);
    expect(result.ok && Array.from(result.bytes)).toEqual([1, 1, 2, 2, 2]);
  });

  it("returns no bytes for a request without body", async () => {
    const result = await readBodyWithLimit(new Request("http://127.0.0.1/", { method: "POST" }), 10);
    expect(result).toEqual({ ok: true, bytes: new Uint8Array(0) });
  });

  it("refuses a declared Content-Length above the limit before reading", async () => {
    let pulled = false;
    // highWaterMark 0: the stream is pulled only when someone reads it.
    const stream = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const result = await readBodyWithLimit(post(stream, { "content-length": "11" }), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
    expect(pulled).toBe(false);
  });

  it("refuses a chunked body that passes the limit, reading the rest of it to the end without cancelling", async () => {
    let cancelled = false;
    const result = await readBodyWithLimit(post(chunked(Array(100).fill(4), () => (cancelled = true))), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
    // Cancelling is what made workerd drop the connection (src/http/read_body.ts).
    expect(cancelled).toBe(false);
  });

  it("gives up on an endless body once DRAIN_MAX_BYTES past the limit, still without cancelling", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 4096;
          controller.enqueue(new Uint8Array(4096));
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const result = await readBodyWithLimit(post(endless), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
    expect(pulled).toBeLessThanOrEqual(10 + DRAIN_MAX_BYTES + 4096);
    expect(cancelled).toBe(false);
  });

  it("answers too-slow when the deadline comes before the end of the body", async () => {
    let settle!: () => void;
    const deadline = new Promise<void>((resolve) => (settle = resolve));
    const stalled = stalledStream();
    const reading = readBodyWithLimit(post(stalled), 10, deadline);
    settle();
    expect(await reading).toEqual({ ok: false, reason: "too-slow" });
  });

  it("returns the body when it is complete before the deadline", async () => {
    const result = await readBodyWithLimit(post(chunked([2, 3])), 10, new Promise(() => undefined));
    expect(result.ok && result.bytes.length).toBe(5);
  });

  it("enforces the limit while reading even when Content-Length understates the body", async () => {
    const result = await readBodyWithLimit(post(chunked([6, 6]), { "content-length": "5" }), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
  });
});
