import { readLimited } from "../http/read_body.js";
import { PKIXCMP } from "../http/media_type.js";
import { CmpClientError } from "./errors.js";
import type { Fetch } from "./options.js";

export interface HttpTransport {
  url: string;
  fetch: Fetch;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** An answer that carries a CMP message: its HTTP status and body. */
export interface HttpAnswer {
  status: number;
  body: Uint8Array;
}

/**
 * One CMP message over HTTP (RFC 9811 §3.1): POST with Content-Type
 * application/pkixcmp (§3.2). The answer must carry the same Content-Type,
 * exactly (case aside, no parameters: OpenSSL 3.0 compares the whole header
 * value), in a bounded body. A CMP answer comes with 200 (§3.1); a 4xx or
 * 5xx may carry a CMP error message too, which §3.1 says a client must
 * handle, so such an answer is returned with its status for the caller to
 * read. Redirects are not followed (§5: a 301 could be misused to divert
 * the client for good); they fail as any other status without CMP content.
 */
export async function postCmp(transport: HttpTransport, message: Uint8Array): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(transport.timeoutMs);
  // The signal stops the platform's fetch; the race also stops waiting for a fetch that ignores it.
  const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  aborted.catch(() => undefined);
  try {
    const response = await Promise.race([
      transport.fetch(transport.url, { method: "POST", headers: { "content-type": PKIXCMP }, body: message, redirect: "manual", signal }),
      aborted,
    ]);
    const contentType = response.headers.get("content-type");
    if (contentType === null || contentType.trim().toLowerCase() !== PKIXCMP) {
      await response.body?.cancel();
      const status = response.status === 200 ? "" : `HTTP status ${response.status}, and `;
      throw new CmpClientError("http", `${status}the response's Content-Type is ${contentType === null ? "missing" : `"${contentType}"`}, not ${PKIXCMP} (RFC 9811 §3.2)`, {
        httpStatus: response.status,
      });
    }
    const body = await Promise.race([readLimitedBody(response, transport.maxResponseBytes), aborted]);
    return { status: response.status, body };
  } catch (error) {
    if (error instanceof CmpClientError) throw error;
    if (signal.aborted) {
      throw new CmpClientError("timeout", `no complete answer from ${transport.url} within ${transport.timeoutMs} ms`, { cause: error });
    }
    throw new CmpClientError("http", `POST ${transport.url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The body, refused as soon as it grows beyond `max` (a hostile server cannot make us buffer without end). */
async function readLimitedBody(response: Response, max: number): Promise<Uint8Array> {
  const bytes = await readLimited(response, max);
  if (!bytes) throw new CmpClientError("http", `the response is larger than ${max} bytes`, { httpStatus: response.status });
  return bytes;
}
