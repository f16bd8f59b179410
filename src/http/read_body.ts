/**
 * Reads a request body of at most `maxBytes`, without ever buffering more,
 * and within a deadline.
 *
 * Content-Length is checked first so an honest oversized request is refused
 * before any byte is read; the count is enforced while reading as well,
 * because a body can be sent without Content-Length (chunked) or disagree
 * with it. (hono/body-limit trusts Content-Length when present, hence this.)
 */
import type { Context } from "hono";
import { concatBytes } from "../asn1/der.js";

/** too-large: past maxBytes; too-slow: not complete by the deadline; cut-off: the sender went away mid-body. */
export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: "too-large" | "too-slow" | "cut-off" };

/**
 * A runtime's own way to the body bytes of the request in `c`, cheaper than
 * the Request's stream where the platform allows (see runtime/node_body.ts);
 * undefined leaves the request to readBodyWithLimit. `deadline` settles when
 * the time to read the body is up.
 */
export type BodyReader = (c: Context, maxBytes: number, deadline: Promise<void>) => Promise<BodyResult> | undefined;

/**
 * How far past the limit an oversized body is still read and thrown away.
 * Measured under `wrangler dev` (workerd 2026-04-26; the table is in
 * docs/testing.md): once a Worker has started reading a request body, only
 * reading it to its end leaves the connection reusable. A stream cancelled
 * or merely abandoned part-way makes workerd close the connection after the
 * answer, without `Connection: close` (a Worker cannot send that hop-by-hop
 * header), and wrangler's proxy Worker, whose pooled connection that was,
 * sends the next request from any client into the closed socket and answers
 * it 503. A body never touched is drained or dropped by workerd itself,
 * safely. So: refuse on Content-Length without reading, and drain a body
 * found too large while reading, up to this many bytes and within the
 * deadline; past that the sender is hostile and the connection is given up.
 * RFC 9110 §15.5.14 lets a server close the connection after a 413.
 */
export const DRAIN_MAX_BYTES = 1024 * 1024;

const TIMED_OUT = Symbol("timed out");

export async function readBodyWithLimit(request: Request, maxBytes: number, deadline?: Promise<void>): Promise<BodyResult> {
  if (declaredLength(request) > maxBytes) return { ok: false, reason: "too-large" };
  if (request.body === null) return { ok: true, bytes: new Uint8Array(0) };

  const timedOut = deadline?.then((): typeof TIMED_OUT => TIMED_OUT);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read>> | typeof TIMED_OUT;
    try {
      read = await (timedOut ? Promise.race([reader.read(), timedOut]) : reader.read());
    } catch {
      // The connection broke mid-body: the sender's fault, not a server error to log as one.
      return { ok: false, reason: "cut-off" };
    }
    // The pending read is left as it is: cancelling it is what breaks the
    // connection under workerd (DRAIN_MAX_BYTES); the runtime closes it.
    if (read === TIMED_OUT) return { ok: false, reason: "too-slow" };
    if (read.done) break;
    size += read.value.byteLength;
    if (size > maxBytes + DRAIN_MAX_BYTES) return { ok: false, reason: "too-large" };
    if (size <= maxBytes) chunks.push(read.value);
  }
  if (size > maxBytes) return { ok: false, reason: "too-large" };
  // One chunk (the usual case for a CMP message) is used as is, without a copy.
  return { ok: true, bytes: chunks.length === 1 ? chunks[0]! : concatBytes(chunks) };
}

/**
 * The body of a response (or request), or undefined when it is larger than
 * `maxBytes`: refused on its Content-Length before a byte is read, or as
 * soon as the bytes read pass the limit, and the sender stopped instead of
 * draining an unbounded stream. The CMP client reads answers with it: a
 * client may drop its own connection.
 */
export async function readLimited(message: Request | Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (declaredLength(message) > maxBytes) {
    await message.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (message.body === null) return new Uint8Array(0);

  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/** The Content-Length as a number when it is a plain decimal, else -1. */
function declaredLength(message: Request | Response): number {
  const declared = message.headers.get("content-length")?.trim();
  return declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : -1;
}
