import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { encodePem } from "../asn1/pem.js";
import { SignerError } from "../kms/signer.js";
import { StoreError } from "../store/store.js";
import { caIdOf, currentCrl, type CrlContext, type PublishedCrl } from "../crl/crl_publisher.js";

/**
 * What relying parties fetch over plain HTTP, without authentication
 * (RFC 5280 §4.2.1.13, §4.2.2.1; the URLs are src/crl/publication_urls.ts):
 *
 *   GET /crl/<caId>.crl      the CA's current full CRL, DER (application/pkix-crl,
 *                            RFC 2585 §4.2); PEM with `Accept: application/x-pem-file`
 *                            or as /crl/<caId>.crl.pem
 *   GET /ca/<caId>.crt       the CA certificate, DER (application/pkix-cert), the
 *                            caIssuers URL; PEM likewise
 *
 * A CRL is valid until its nextUpdate, but a revocation makes a new one at
 * once (crl_publisher.ts): HTTP caches keep it a few minutes at most, and
 * revalidate by ETag (the CRL number) for free.
 */
export interface PublicationDeps {
  context: () => CrlContext | Promise<CrlContext>;
  log: (line: object) => void;
}

/** How long a shared cache may serve a CRL without asking again, at most. */
const CRL_MAX_AGE_SECONDS = 300;

export function createPublicationApp(deps: PublicationDeps): Hono {
  const app = new Hono();

  app.on(["GET", "HEAD"], "/crl/:file", async (c) => {
    const context = await deps.context();
    const wanted = fileName(c.req.param("file"), ".crl");
    if (!wanted || wanted.caId !== (await caIdOf(context.ca))) return notFound(c, "no CRL of that name");
    const started = Date.now();
    const crl = await currentCrl(context);
    if (!crl) return c.text("the first CRL is being built; try again shortly", 503, { "retry-after": "5" });
    deps.log({ time: new Date(started).toISOString(), outcome: "crl", crlNumber: crl.number.toString(), entries: crl.entries, stale: crl.stale, ms: Date.now() - started });
    return crlResponse(c, crl, wanted.pem || prefersPem(c), context.now());
  });

  app.on(["GET", "HEAD"], "/ca/:file", async (c) => {
    const context = await deps.context();
    const wanted = fileName(c.req.param("file"), ".crt");
    if (!wanted || wanted.caId !== (await caIdOf(context.ca))) return notFound(c, "no CA certificate of that name");
    const der = context.ca.certificate;
    const pem = wanted.pem || prefersPem(c);
    return send(c, pem ? encodePem("CERTIFICATE", der) : der, pem ? "application/x-pem-file" : "application/pkix-cert", {
      "cache-control": "public, max-age=86400",
    });
  });
  // The store or the signer being down is not a bug: say so, and when to come back.
  app.onError((error, c) => {
    if (error instanceof StoreError || error instanceof SignerError) {
      deps.log({ time: new Date().toISOString(), outcome: "unavailable", path: c.req.path, error: error.message });
      return c.text("revocation status is unavailable right now; try again shortly", 503, { "retry-after": "30" });
    }
    deps.log({ time: new Date().toISOString(), outcome: "internal-error", status: 500, path: c.req.path, error: String(error) });
    return c.text("internal error", 500);
  });
  return app;
}

/** "<hex>.crl" or "<hex>.crl.pem" (likewise .crt); anything else is no file of ours. */
function fileName(file: string, extension: string): { caId: string; pem: boolean } | undefined {
  const match = new RegExp(`^([0-9a-f]{2,128})\\${extension}(\\.pem)?$`).exec(file.toLowerCase());
  return match ? { caId: match[1]!, pem: match[2] !== undefined } : undefined;
}

function prefersPem(c: Context): boolean {
  return /application\/x-pem-file/i.test(c.req.header("accept") ?? "");
}

function crlResponse(c: Context, crl: PublishedCrl, pem: boolean, now: Date): Response {
  const etag = `"${crl.caId.slice(0, 16)}-${crl.number}${pem ? "-pem" : ""}"`;
  const remaining = Math.floor((crl.nextUpdate.getTime() - now.getTime()) / 1000);
  // A CRL another instance is replacing right now is not cached at all.
  const maxAge = crl.stale ? 0 : Math.max(0, Math.min(CRL_MAX_AGE_SECONDS, remaining));
  const headers: Record<string, string> = {
    etag,
    "last-modified": crl.thisUpdate.toUTCString(),
    expires: crl.nextUpdate.toUTCString(),
    "cache-control": maxAge > 0 ? `public, max-age=${maxAge}, no-transform` : "no-cache",
  };
  if (matches(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return send(c, pem ? encodePem("X509 CRL", crl.der) : crl.der, pem ? "application/x-pem-file" : "application/pkix-crl", headers);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag || tag.trim() === "*");
}

function send(c: Context, body: Uint8Array | string, contentType: string, headers: Record<string, string>): Response {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return new Response(c.req.method === "HEAD" ? null : (bytes as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers: { "content-type": contentType, "content-length": String(bytes.byteLength), ...headers },
  });
}

function notFound(c: Context, message: string): Response {
  return c.text(message, 404);
}
