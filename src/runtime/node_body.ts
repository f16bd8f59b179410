import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { BodyResult } from "../http/read_body.js";

/**
 * The body of a request on @hono/node-server, read from the IncomingMessage
 * (c.env.incoming) when it declares a Content-Length within the limit. The
 * Request that node-server makes on first use of a body wraps the socket in
 * a web stream and builds a whole fetch Request, which cost about as much as
 * a certConf's protection check; a CMP message is a few hundred bytes that
 * have already arrived. Node's parser delivers exactly Content-Length bytes,
 * so the limit holds. Anything else (chunked, no length, too large) is left
 * to readBodyWithLimit, which enforces the limit while reading.
 */
export function readIncomingBody(c: Context, maxBytes: number, deadline: Promise<void>): Promise<BodyResult> | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = incoming?.headers["content-length"];
  if (!incoming || declared === undefined || !/^\d{1,9}$/.test(declared) || Number(declared) > maxBytes) return undefined;
  if (incoming.readableEnded || incoming.readableFlowing !== null) return undefined; // someone else is reading it
  // Gone before we got here: its "close" has fired already and would not again.
  if (incoming.destroyed && !incoming.complete) return Promise.resolve({ ok: false, reason: "cut-off" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    // A body trickled in slower than the deadline: stop collecting and answer
    // 408 with Connection: close (src/http/app.ts), after which Node closes
    // the socket instead of waiting for the rest.
    void deadline.then(() => {
      incoming.removeAllListeners("data");
      incoming.pause();
      resolve({ ok: false, reason: "too-slow" });
    });
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("error", () => resolve({ ok: false, reason: "cut-off" }));
    // A client that goes away mid-body: nobody is left to answer, but the handler must not wait forever.
    incoming.once("close", () => {
      if (!incoming.complete) resolve({ ok: false, reason: "cut-off" });
    });
    incoming.once("end", () => {
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve({ ok: true, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    });
  });
}

/**
 * A request header straight from the IncomingMessage's raw header list, so
 * that @hono/node-server never builds the fetch Headers object for a CMP
 * request (src/http/request_header.ts). Fields of the same name are joined
 * with ", " as Headers.get joins them (Node's own `headers` keeps only the
 * first Content-Type), so a request with two Content-Types is refused here
 * exactly as through Headers; values are trimmed, as Headers trims them of
 * spaces and tabs.
 */
export function incomingHeader(c: Context, name: string): string | undefined {
  const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.rawHeaders;
  if (!raw) return undefined;
  const wanted = name.toLowerCase();
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const field = raw[i]!;
    if (field.length !== wanted.length || field.toLowerCase() !== wanted) continue;
    const trimmed = raw[i + 1]!.trim();
    value = value === undefined ? trimmed : `${value}, ${trimmed}`;
  }
  return value;
}
