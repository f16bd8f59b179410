import { request } from "node:https";

/**
 * A fetch that trusts one more CA: `--cacert`. Node 20's global fetch takes
 * no CA per request (that needs the undici package), so https goes through
 * node:https with `ca`; plain http is left to the global fetch. The answer
 * is read up to a bound, so a server that streams without end cannot fill
 * the operator's memory. Redirects are never followed (the callers ask for
 * "manual" and look at the 3xx themselves).
 */

/** Far above any admin API page or CMP message; a bound, not an expectation. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export function fetchTrusting(caPem: string, maxBytes = MAX_ANSWER_BYTES): typeof globalThis.fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== "https:") return globalThis.fetch(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const headers = Object.fromEntries(new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)));
    const body = await bodyBytes(init?.body ?? (input instanceof Request && input.body ? await input.arrayBuffer() : undefined));
    if (body) headers["content-length"] = String(body.byteLength);
    const signal = init?.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(url, { method, headers, ca: caPem, signal }, (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            incoming.destroy();
            reject(new Error(`the answer is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on("error", reject);
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 502;
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) answerHeaders.append(name, one);
          }
          // A Response with these statuses must have no body at all.
          const empty = status === 204 || status === 205 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? "", headers: answerHeaders }));
        });
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  };
}

async function bodyBytes(body: unknown): Promise<Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  // Anything else (a stream, a Blob, form data): let the Response machinery turn it into bytes.
  return new Uint8Array(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}
