import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { fromBase64, toHex } from "../asn1/bytes.js";
import { digest } from "../crypto/digest.js";
import { ocspErrorResponse } from "../ocsp/basic_ocsp_response.js";
import { answerOcsp, type OcspAnswer, type OcspContext } from "../ocsp/responder.js";
import { startDeadline, type Deadline } from "./deadline.js";
import { readBodyWithLimit, type BodyReader } from "./read_body.js";
import { requestHeader, type HeaderReader } from "./request_header.js";

/**
 * OCSP over HTTP (RFC 6960 Appendix A.1, RFC 5019 §5): POST with an
 * application/ocsp-request body, or GET /ocsp/<url-encoded base64 DER>.
 * Every OCSP answer, errors included, is an application/ocsp-response with
 * HTTP 200; only what is wrong at the HTTP level (method, media type, size)
 * gets a 4xx. GET answers without a nonce are cacheable until nextUpdate
 * (RFC 5019 §6.2).
 */

export const OCSP_REQUEST = "application/ocsp-request";
export const OCSP_RESPONSE = "application/ocsp-response";

/**
 * A request for one certificate with a nonce is about 120 bytes; ten
 * CertIDs with SHA-512 fit in 2 KiB. 8 KiB leaves room for a signed request
 * carrying its signer's certificate, whose signature is ignored anyway.
 */
export const OCSP_MAX_REQUEST_BYTES = 8 * 1024;

export interface OcspAppDeps {
  /** The responder's dependencies; called per request, so it may hand out a cached object. */
  context: () => OcspContext | Promise<OcspContext>;
  log: (line: object) => void;
  /** Milliseconds since the epoch, for the log's time and duration. */
  clock?: () => number;
  readBody?: BodyReader;
  header?: HeaderReader;
  deadline?: (milliseconds: number) => Deadline;
  /** Seconds to wait for a POST body (limits.bodyReadTimeoutSeconds). */
  bodyReadTimeoutSeconds?: number;
  maxRequestBytes?: number;
}

export function createOcspApp(deps: OcspAppDeps): Hono {
  const clock = deps.clock ?? Date.now;
  const deadlineOf = deps.deadline ?? startDeadline;
  const maxBytes = deps.maxRequestBytes ?? OCSP_MAX_REQUEST_BYTES;
  const app = new Hono({ strict: false });

  const serve = async (c: Context): Promise<Response> => {
    const started = clock();
    const method = c.req.method;
    const logLine = (fields: Record<string, unknown>): void => {
      try {
        deps.log({ time: new Date(started).toISOString(), endpoint: "ocsp", method, ...fields, ms: clock() - started });
      } catch {
        // A broken log sink must not fail the answer.
      }
    };
    const reject = (status: 405 | 408 | 413 | 414 | 415 | 400, reason: string, headers?: Record<string, string>): Response => {
      logLine({ outcome: "rejected", reason, status });
      return new Response(reason, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
    };

    let request: Uint8Array | undefined;
    if (method === "GET" || method === "HEAD") {
      const encoded = requestSegment(c.req.url);
      // base64 of maxBytes, every character percent-encoded at worst.
      if (encoded.length > Math.ceil(maxBytes / 3) * 4 * 3) return reject(414, "request too large for a GET; use POST");
      request = decodeGetRequest(encoded);
    } else if (method === "POST") {
      if (!isOcspRequest(requestHeader(c, "content-type", deps.header))) return reject(415, `content type must be ${OCSP_REQUEST}`);
      const deadline = deadlineOf((deps.bodyReadTimeoutSeconds ?? 10) * 1000);
      let body;
      try {
        body = await (deps.readBody?.(c, maxBytes, deadline.reached) ?? readBodyWithLimit(c.req.raw, maxBytes, deadline.reached));
      } finally {
        deadline.clear();
      }
      // As for CMP (src/http/app.ts): the unread rest of a refused body leaves the connection unusable.
      if (!body.ok && body.reason === "too-slow") return reject(408, "request body not received in time", { connection: "close" });
      if (!body.ok && body.reason === "cut-off") return reject(400, "request body cut off", { connection: "close" });
      if (!body.ok) return reject(413, "request too large", { connection: "close" });
      request = body.bytes;
    } else {
      return reject(405, "method not allowed", { allow: "GET, POST" });
    }

    const answer: OcspAnswer = request
      ? await answerOcsp(request, await deps.context())
      : { body: ocspErrorResponse("malformedRequest"), outcome: "malformedRequest", reason: "the GET path is not base64" };
    const cacheable = method !== "POST" && answer.outcome === "successful" && !answer.nonce;
    logLine({
      outcome: answer.outcome,
      ...(answer.reason ? { reason: answer.reason } : {}),
      ...(answer.certificates ? { serials: answer.certificates.map((entry) => entry.serial ?? null), certStatus: answer.certificates.map((entry) => entry.status) } : {}),
      ...(answer.nonce ? { nonce: true } : {}),
      ...(answer.warning ? { level: "warn", warning: answer.warning } : {}),
      ...(answer.error !== undefined ? describe(answer.error) : {}),
      status: 200,
    });
    const headers: Record<string, string> = { "content-type": OCSP_RESPONSE, "content-length": String(answer.body.byteLength) };
    if (cacheable && answer.producedAt && answer.nextUpdate) {
      Object.assign(headers, await cacheHeaders(answer.body, answer.producedAt, answer.nextUpdate, new Date(clock())));
    } else {
      // A nonce makes the answer one request's; POST answers and errors are not for sharing either.
      headers["cache-control"] = "no-store";
    }
    return new Response(method === "HEAD" ? null : (answer.body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };

  app.all("/", serve);
  app.all("/*", serve);
  return app;
}

/**
 * RFC 5019 §6.2: max-age until nextUpdate, public, no-transform,
 * must-revalidate; Last-Modified is thisUpdate, Expires nextUpdate, and an
 * ETag that names this very response.
 */
async function cacheHeaders(body: Uint8Array, producedAt: Date, nextUpdate: Date, now: Date): Promise<Record<string, string>> {
  const maxAge = Math.max(0, Math.floor((nextUpdate.getTime() - now.getTime()) / 1000));
  return {
    "cache-control": `public, max-age=${maxAge}, no-transform, must-revalidate`,
    "last-modified": producedAt.toUTCString(),
    expires: nextUpdate.toUTCString(),
    etag: `"${toHex((await digest("SHA-256", body)).subarray(0, 16))}"`,
  };
}

/** Whatever follows /ocsp/ in the URL, still percent-encoded (base64 may hold '/', so it can span segments). */
function requestSegment(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, "").replace(/[?#].*$/s, "");
  const at = path.indexOf("/ocsp");
  const rest = at < 0 ? "" : path.slice(at + "/ocsp".length);
  return rest.replace(/^\/+/, "");
}

/**
 * RFC 6960 Appendix A.1: "{url}/{url-encoding of base-64 encoding of the
 * DER encoding of the OCSPRequest}". Clients differ in what they encode, so
 * '+', '/' and '=' are taken percent-encoded or not, base64url ('-', '_')
 * too, and padding may be missing. Undefined when it is not base64.
 */
export function decodeGetRequest(encoded: string): Uint8Array | undefined {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  text = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (text === "" || !/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return undefined;
  try {
    return fromBase64(text + "=".repeat((4 - (text.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

export function isOcspRequest(contentType: string | null | undefined): boolean {
  return (contentType?.split(";", 1)[0] ?? "").trim().toLowerCase() === OCSP_REQUEST;
}

function describe(error: unknown): Record<string, string | undefined> {
  if (error instanceof Error) return { error: `${error.name}: ${error.message}`, stack: error.stack };
  return { error: String(error) };
}
