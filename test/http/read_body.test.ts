import { describe, expect, it } from "vitest";
import { readBodyWithLimit } from "../../src/http/read_body.js";

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

  it("refuses a chunked body once it passes the limit, and cancels the stream", async () => {
    let cancelled = false;
    // Would go on far past the limit if it were drained.
    const result = await readBodyWithLimit(post(chunked(Array(1000).fill(4), () => (cancelled = true))), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
    expect(cancelled).toBe(true);
  });

  it("enforces the limit while reading even when Content-Length understates the body", async () => {
    const result = await readBodyWithLimit(post(chunked([6, 6]), { "content-length": "5" }), 10);
    expect(result).toEqual({ ok: false, reason: "too-large" });
  });
});
