import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { encodeCertificatesPem, encodePem } from "../asn1/pem.js";
import { fromBase64, fromHex } from "../asn1/bytes.js";
import { REVOCATION_REASONS, getCertificate } from "../ca/certificate_record.js";
import { RegistryError, getRegisteredEndEntity, listCertificates, listEndEntities, type RegistryContext } from "../ca/registry.js";
import { crlState, type CrlContext } from "../crl/crl_publisher.js";
import { publicationUrls } from "../crl/publication_urls.js";
import { getPendingRequest, listPendingRequests } from "../cmp/pending_request.js";
import { adminActions, asOutage, type AdminActions } from "./admin_actions.js";
import type { Operator, OperatorDirectory } from "./operators.js";
import { publicEntity } from "./public_entity.js";
import { readBodyWithLimit } from "./read_body.js";

/**
 * The admin API (docs/admin-api.md): end entities, certificates, waiting
 * requests, the CA chain and CRL, behind the bearer tokens of named
 * operators (src/http/operators.ts). Mounted at /admin only when at least
 * one operator is configured. Changes go through src/http/admin_actions.ts,
 * which checks the operator's role and writes the audit log.
 */
export interface AdminDeps {
  operators: OperatorDirectory;
  registry: () => RegistryContext | Promise<RegistryContext>;
  chain: () => Uint8Array[] | Promise<Uint8Array[]>;
  /** What the CA's CRL needs (GET and POST /admin/crl); without it they answer 404. */
  crl?: () => CrlContext | Promise<CrlContext>;
  log: (line: object) => void;
}

const MAX_BODY = 64 * 1024;

type AdminEnv = { Variables: { operator: Operator; actions: AdminActions } };

export function createAdminApp(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.use("*", async (c, next) => {
    const presented = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    const operator = presented ? await deps.operators.authenticate(presented) : undefined;
    if (!operator) {
      deps.log({ time: new Date().toISOString(), admin: true, outcome: "unauthorized", method: c.req.method, path: c.req.path, status: 401 });
      return c.json({ error: "missing or wrong bearer token" }, 401, { "www-authenticate": 'Bearer realm="jellyfish-admin"' });
    }
    const { name, role } = operator;
    c.set("operator", { name, role });
    c.set("actions", adminActions(deps, { name, role }));
    await next();
    // Changes are logged by admin_actions with what they changed; this line says who asked what and how it was answered.
    deps.log({ time: new Date().toISOString(), admin: true, operator: name, method: c.req.method, path: c.req.path, status: c.res.status });
  });

  // Who the token belongs to: the CLI's `whoami`, and a check that a token works before using it.
  app.get("/whoami", (c) => c.json({ operator: c.get("operator") }));

  app.post("/entities", async (c) => {
    const body = await jsonBody(c);
    return c.json(await c.get("actions").addEntity(body), 201);
  });
  app.get("/entities", async (c) => {
    const entities = await listEndEntities(await deps.registry(), { profile: c.req.query("profile"), status: c.req.query("status") });
    return c.json({ entities: entities.map(publicEntity) });
  });
  app.get("/entities/:username", async (c) => c.json({ entity: publicEntity(await getRegisteredEndEntity(await deps.registry(), c.req.param("username"))) }));
  // Which client-mode profiles the entity may enroll through; nothing else of it changes.
  app.patch("/entities/:username", async (c) => {
    const body = await jsonBody(c);
    return c.json({ entity: await c.get("actions").setEntityProfiles(c.req.param("username"), body) });
  });
  app.delete("/entities/:username", async (c) => {
    await c.get("actions").removeEntity(c.req.param("username"));
    return c.body(null, 204);
  });
  app.post("/entities/:username/reset", async (c) => {
    const body = (await jsonBody(c, true)) as { enrollmentCode?: unknown };
    return c.json(await c.get("actions").resetEntity(c.req.param("username"), body.enrollmentCode));
  });

  app.get("/certificates", async (c) => {
    const limit = Number(c.req.query("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RegistryError("invalid", "limit: an integer from 1 to 1000");
    const page = await listCertificates(await deps.registry(), {
      status: c.req.query("status"),
      profile: c.req.query("profile"),
      entity: c.req.query("entity"),
      subject: c.req.query("subject"),
      reason: optionalQuery(c.req.query("reason"), reasonFilter),
      revokedSince: optionalQuery(c.req.query("revokedSince"), timeFilter),
      cursor: c.req.query("cursor"),
      limit,
    });
    return c.json({ certificates: page.certificates.map(({ der: _der, ...record }) => record), ...(page.cursor ? { cursor: page.cursor } : {}) });
  });
  app.get("/certificates/:serial", async (c) => {
    const record = await getCertificate((await deps.registry()).store, c.req.param("serial").toLowerCase());
    if (!record) throw new RegistryError("notFound", `no certificate with serial ${c.req.param("serial")}`);
    const { der, ...certificate } = record;
    return c.json({ certificate, pem: encodePem("CERTIFICATE", fromBase64(der)) });
  });
  // reason 6 (certificateHold) suspends, 8 (removeFromCRL) lifts a hold, as an rr does (RFC 5280 §5.3.1).
  app.post("/certificates/:serial/revoke", async (c) => {
    const body = (await jsonBody(c, true)) as { reason?: unknown };
    const reason = body.reason ?? 0;
    if (typeof reason !== "number") throw new RegistryError("invalid", "reason: a CRLReason 0-6, 8 (lifts a hold), 9 or 10");
    return c.json({ certificate: await c.get("actions").revokeCertificate(c.req.param("serial"), reason) });
  });

  app.get("/requests", async (c) => {
    const status = c.req.query("status") ?? "pending";
    if (!["pending", "approved", "rejected", "expired", "issued", "completed", "failed", "all"].includes(status)) {
      throw new RegistryError("invalid", "status: one of pending, approved, rejected, expired, issued, completed, failed, all");
    }
    const requests = await listPendingRequests((await deps.registry()).store, status);
    return c.json({ requests });
  });
  app.get("/requests/:id", async (c) => {
    const entry = await getPendingRequest((await deps.registry()).store, c.req.param("id"));
    if (!entry) throw new RegistryError("notFound", `no request ${c.req.param("id")}`);
    return c.json({ request: entry.value });
  });
  for (const decision of ["approve", "reject"] as const) {
    app.post(`/requests/:id/${decision}`, async (c) => {
      const body = (await jsonBody(c, true)) as { reason?: unknown };
      if (body.reason !== undefined && typeof body.reason !== "string") throw new RegistryError("invalid", "reason: a string of at most 500 characters");
      return c.json({ request: await c.get("actions").decideRequest(c.req.param("id"), decision, body.reason) });
    });
  }

  // Showing the CRL signs nothing; POST signs a new one now, whether or not one is due (EJBCA's "Create CRL").
  app.get("/crl", async (c) => {
    const context = await crlContext();
    const { caId, state, revision } = await orUnavailable(() => crlState(context));
    if (!state) throw new RegistryError("notFound", "no CRL yet: the first fetch of it builds one, or POST /admin/crl");
    return c.json({ crl: crlView(context, caId, { ...state, stale: revision > state.builtRevision }) });
  });
  app.post("/crl", async (c) => {
    const context = await crlContext();
    const crl = await c.get("actions").regenerateCrl();
    const { number, thisUpdate, nextUpdate, entries, stale } = crl;
    return c.json({
      crl: crlView(context, crl.caId, { number: number.toString(), thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString(), entries, bytes: crl.der.length, stale }),
    });
  });

  app.get("/ca/chain", async () => new Response(encodeCertificatesPem(await deps.chain()), { headers: { "content-type": "application/pem-certificate-chain" } }));

  // Last: a mounted app's notFound never runs, so unknown admin paths are answered here.
  app.all("*", (c) => c.json({ error: "no such admin resource" }, 404));
  app.onError((error, c) => {
    if (error instanceof RegistryError) {
      const status = { invalid: 400, forbidden: 403, notFound: 404, conflict: 409, unavailable: 503 }[error.kind] as 400 | 403 | 404 | 409 | 503;
      return c.json({ error: error.message }, status);
    }
    if (error instanceof HttpError) return c.json({ error: error.message }, error.status);
    deps.log({ time: new Date().toISOString(), admin: true, outcome: "internal-error", error: String(error) });
    return c.json({ error: "internal error" }, 500);
  });
  return app;

  async function crlContext(): Promise<CrlContext> {
    if (!deps.crl) throw new RegistryError("notFound", "this server publishes no CRL");
    return deps.crl();
  }

  /** The store or the signer being down is an outage to retry, not a bug: 503, the detail only in the log. */
  async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const outage = asOutage(error);
      if (!outage) throw error;
      deps.log({ time: new Date().toISOString(), admin: true, outcome: "unavailable", error: (error as Error).message });
      throw outage;
    }
  }
}

interface CrlFields {
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  entries: number;
  bytes: number;
  stale: boolean;
}

/** What GET and POST /admin/crl answer: the CRL's fields and, with publication.baseUrl, where relying parties fetch it. */
function crlView(context: CrlContext, caId: string, fields: CrlFields): { caId: string; url?: string } & CrlFields {
  const { baseUrl } = context.config.publication;
  const { number, thisUpdate, nextUpdate, entries, bytes, stale } = fields;
  return { caId, number, thisUpdate, nextUpdate, entries, bytes, stale, ...(baseUrl ? { url: publicationUrls(baseUrl, fromHex(caId)).crl } : {}) };
}

function optionalQuery<T>(value: string | undefined, parse: (text: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

/** A CRLReason number a certificate can be listed with: 0-6, 9 or 10 (8 only lifts a hold and is never kept). */
function reasonFilter(text: string): number {
  const reason = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  if (!REVOCATION_REASONS.has(reason)) throw new RegistryError("invalid", "reason: a CRLReason number 0-6, 9 or 10");
  return reason;
}

function timeFilter(text: string): number {
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw new RegistryError("invalid", "revokedSince: an ISO 8601 time, e.g. 2026-12-01T00:00:00Z");
  return time;
}

class HttpError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON object body of at most 64 KiB; `optional` bodies may be empty. */
async function jsonBody(c: Context, optional = false): Promise<Record<string, unknown>> {
  const read = await readBodyWithLimit(c.req.raw, MAX_BODY);
  if (!read.ok) throw new HttpError(413, "body over 64 KiB");
  if (read.bytes.length === 0 && optional) return {};
  if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) throw new HttpError(415, "content type must be application/json");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(read.bytes));
  } catch {
    throw new HttpError(400, "body: not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, "body: must be a JSON object");
  return value as Record<string, unknown>;
}
