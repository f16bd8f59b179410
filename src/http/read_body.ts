/**
 * Reads a request body of at most `maxBytes`, without ever buffering more.
 *
 * Content-Length is checked first so an honest oversized request is refused
 * before any byte is read; the count is enforced while reading as well,
 * because a body can be sent without Content-Length (chunked) or disagree
 * with it. (hono/body-limit trusts Content-Length when present, hence this.)
 */
import type { Context } from "hono";
import { concatBytes } from "../asn1/der.js";

export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: "too-large" };

/**
 * A runtime's own way to the body bytes of the request in `c`, cheaper than
 * the Request's stream where the platform allows (see runtime/node_body.ts);
 * undefined leaves the request to readBodyWithLimit.
 */
export type BodyReader = (c: Context, maxBytes: number) => Promise<BodyResult> | undefined;

export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<BodyResult> {
  const bytes = await readLimited(request, maxBytes);
  return bytes ? { ok: true, bytes } : { ok: false, reason: "too-large" };
}

/**
 * The body of a request or response, or undefined when it is larger than
 * `maxBytes`: refused on its Content-Length before a byte is read, or as
 * soon as the bytes read pass the limit, and the sender stopped instead of
 * draining an unbounded stream. The CMP client reads answers with it too.
 */
export async function readLimited(message: Request | Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = message.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > maxBytes) {
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
  // One chunk (the usual case for a CMP message) is used as is, without a copy.
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}
