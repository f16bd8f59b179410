import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small in-memory server that keeps the contract of docs/admin-api.md, on
 * 127.0.0.1, for the CLI tests. It is written from the document, not from the
 * Worker, so the CLI is tested against what the API promises. It records
 * every request so tests can see what the CLI sent (and that the token went
 * only into the Authorization header).
 */

export interface FakeEntity {
  username: string;
  subject: string;
  subjectAltNames: string[];
  profiles: string[];
  status: "new" | "issued" | "revoked";
  hasEnrollmentCode: boolean;
  certificates: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeCertificate {
  serial: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  status: string;
  profile: string;
  entity?: string;
  requester: string;
  issuedAt: string;
  decidedAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  revocationReason?: number;
  statusBeforeHold?: string;
}

/** The CA's current CRL, as "CRL" in the document shows it. */
export interface FakeCrl {
  caId: string;
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  entries: number;
  bytes: number;
  stale: boolean;
  url?: string;
}

/** A request waiting for approval, as "Requests waiting for approval" shows it. */
export interface FakePendingRequest {
  id: string;
  profile: string;
  requestType: "ir" | "cr" | "kur" | "p10cr";
  subjectText: string;
  subjectAltNamesText: string[];
  entity?: string;
  requester: string;
  reason: "approval" | "signer";
  holdReason?: string;
  status: "pending" | "approved" | "rejected" | "expired" | "issued" | "failed";
  createdAt: string;
  expiresAt: string;
  decisionReason?: string;
  decidedAt?: string;
  decidedBy?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export interface FakeAdminApiOptions {
  token: string;
  /** Pages never hold more than this, whatever `limit` asks, to make the CLI follow cursors. */
  maxPageSize?: number;
}

const NOW = "2026-11-22T10:00:00.000Z";
const CLIENT_PROFILES = new Set(["opensslclient", "lab"]);
const SERVER_PROFILES = new Set(["default"]);
export const FAKE_CA_CHAIN = "-----BEGIN CERTIFICATE-----\nMIIBfakeCA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBfakeRoot\n-----END CERTIFICATE-----\n";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeAdminApi {
  readonly entities = new Map<string, FakeEntity & { code: string }>();
  readonly certificates: FakeCertificate[] = [];
  /** Requests waiting for approval (not to be confused with `requests`, the HTTP requests recorded). */
  readonly pendingRequests: FakePendingRequest[] = [];
  readonly requests: RecordedRequest[] = [];
  /** The current CRL; none until POST /admin/crl signs one. */
  crl: FakeCrl | undefined;
  /** Where relying parties fetch the CRL; undefined as on a server without publication.baseUrl. */
  crlBaseUrl: string | undefined;
  /** Set to answer the CRL routes 503, as a server whose signer is down. */
  signerDown = false;
  private server: Server | undefined;
  private generated = 0;

  constructor(readonly options: FakeAdminApiOptions) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A certificate as the CA would have recorded it; serials count up in hex. */
  addCertificate(fields: Partial<FakeCertificate> = {}): FakeCertificate {
    const n = this.certificates.length + 1;
    const certificate: FakeCertificate = {
      serial: `4f1a${n.toString(16).padStart(4, "0")}`,
      subject: `CN=device${n}`,
      issuer: "CN=Jellyfish Development CA",
      notBefore: NOW,
      notAfter: "2027-11-22T10:00:00.000Z",
      status: "confirmed",
      profile: "opensslclient",
      requester: "mac-646576",
      issuedAt: NOW,
      decidedAt: NOW,
      ...fields,
    };
    this.certificates.push(certificate);
    const owner = certificate.entity === undefined ? undefined : this.entities.get(certificate.entity);
    owner?.certificates.push(certificate.serial);
    return certificate;
  }

  /** A request held for approval; ids count up, createdAt a minute apart, so the order is the insertion order. */
  addPendingRequest(fields: Partial<FakePendingRequest> = {}): FakePendingRequest {
    const n = this.pendingRequests.length + 1;
    const request: FakePendingRequest = {
      id: `mac-646576.${n.toString(16).padStart(4, "0")}`,
      profile: "approval",
      requestType: "ir",
      subjectText: `CN=device-${n}`,
      subjectAltNamesText: [`DNS:device-${n}.elsewhere.example`],
      entity: `device-${n}`,
      requester: "mac-646576",
      reason: "approval",
      holdReason: `subjectAltName DNS:device-${n}.elsewhere.example is outside *.devices.example`,
      status: "pending",
      createdAt: new Date(Date.parse(NOW) + n * 60_000).toISOString(),
      expiresAt: "2026-11-29T10:00:00.000Z",
      ...fields,
    };
    this.pendingRequests.push(request);
    return request;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body,
    });
    try {
      if (!url.pathname.startsWith("/admin/")) throw new HttpError(404, "not found");
      if (req.headers.authorization !== `Bearer ${this.options.token}`) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="jellyfish-admin"');
        throw new HttpError(401, "missing or wrong admin token");
      }
      // The fake's one operator: the administrator "admin" of ADMIN_TOKEN.
      if (url.pathname === "/admin/whoami" && req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ operator: { name: "admin", role: "administrator" } }));
        return;
      }
      if (url.pathname === "/admin/ca/chain" && req.method === "GET") {
        res.writeHead(200, { "content-type": "application/pem-certificate-chain" }).end(FAKE_CA_CHAIN);
        return;
      }
      const input = req.method === "POST" || req.method === "PATCH" ? parseJsonBody(req, body) : {};
      const [status, answer] = this.route(req.method ?? "", url, input);
      if (answer === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(answer));
      }
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: message }));
    }
  }

  private route(method: string, url: URL, input: Record<string, unknown>): [number, unknown] {
    const parts = url.pathname.split("/").slice(2).map(decodeURIComponent);
    const q = url.searchParams;
    if (parts[0] === "entities") {
      if (parts.length === 1 && method === "POST") return [201, this.createEntity(input)];
      if (parts.length === 1 && method === "GET") {
        const entities = [...this.entities.values()]
          .filter((e) => (!q.get("profile") || e.profiles.includes(q.get("profile")!)) && (!q.get("status") || e.status === q.get("status")))
          .map(publicEntity);
        return [200, { entities }];
      }
      const entity = this.entities.get(parts[1] ?? "");
      if (!entity) throw new HttpError(404, `no entity "${parts[1]}"`);
      if (parts.length === 2 && method === "GET") return [200, { entity: publicEntity(entity) }];
      if (parts.length === 2 && method === "PATCH") {
        entity.profiles = this.profiles(input);
        return [200, { entity: publicEntity(entity) }];
      }
      if (parts.length === 2 && method === "DELETE") {
        this.entities.delete(entity.username);
        return [204, undefined];
      }
      if (parts.length === 3 && parts[2] === "reset" && method === "POST") {
        entity.code = this.code(input.enrollmentCode);
        entity.status = "new";
        entity.hasEnrollmentCode = true;
        return [200, { entity: publicEntity(entity), enrollmentCode: entity.code }];
      }
    }
    if (parts[0] === "certificates") {
      if (parts.length === 1 && method === "GET") return [200, this.listCertificates(q)];
      const certificate = this.certificates.find((c) => c.serial === parts[1]?.toLowerCase());
      if (!certificate) throw new HttpError(404, `no certificate with serial ${parts[1]}`);
      if (parts.length === 2 && method === "GET") {
        return [200, { certificate, pem: `-----BEGIN CERTIFICATE-----\nMIIB${certificate.serial}\n-----END CERTIFICATE-----\n` }];
      }
      if (parts.length === 3 && parts[2] === "revoke" && method === "POST") {
        const reason = input.reason ?? 0;
        if (typeof reason !== "number" || !Number.isInteger(reason) || reason < 0 || reason > 10 || reason === 7) {
          throw new HttpError(400, "reason: must be 0..10 except 7");
        }
        const held = certificate.status === "revoked" && certificate.revocationReason === 6;
        if (reason === 8) {
          if (!held) throw new HttpError(409, `not on hold (status ${certificate.status}); only a certificateHold can be lifted`);
          Object.assign(certificate, { status: certificate.statusBeforeHold ?? "confirmed" });
          delete certificate.revokedAt;
          delete certificate.revokedBy;
          delete certificate.revocationReason;
          delete certificate.statusBeforeHold;
        } else if (held && reason !== 6) {
          // A held certificate revoked for good keeps the hold's date.
          Object.assign(certificate, { revocationReason: reason, statusBeforeHold: undefined });
        } else {
          if (certificate.status === "revoked") throw new HttpError(409, `certificate ${certificate.serial} is already revoked`);
          Object.assign(certificate, { status: "revoked", revokedAt: NOW, revokedBy: "admin", revocationReason: reason, statusBeforeHold: reason === 6 ? certificate.status : undefined });
        }
        if (this.crl) this.crl.stale = true;
        return [200, { certificate }];
      }
    }
    if (parts[0] === "crl" && parts.length === 1) {
      if (this.signerDown) throw new HttpError(503, "the CA's signer is unavailable right now; try again shortly");
      if (method === "GET") {
        if (!this.crl) throw new HttpError(404, "no CRL yet: the first fetch of it builds one, or POST /admin/crl");
        return [200, { crl: this.crl }];
      }
      if (method === "POST") {
        const entries = this.certificates.filter((c) => c.status === "revoked").length;
        const caId = "5c1e0fa9b2c3d4e5f60718293a4b5c6d7e8f9012";
        this.crl = {
          caId,
          number: String(BigInt(this.crl?.number ?? "0") + 1n),
          thisUpdate: NOW,
          nextUpdate: "2026-11-23T10:00:00.000Z",
          entries,
          bytes: 300 + 40 * entries,
          stale: false,
          ...(this.crlBaseUrl ? { url: `${this.crlBaseUrl}/crl/${caId}.crl` } : {}),
        };
        return [200, { crl: this.crl }];
      }
    }
    if (parts[0] === "requests") {
      if (parts.length === 1 && method === "GET") {
        const status = q.get("status") ?? "pending";
        const requests = this.pendingRequests
          .filter((r) => status === "all" || r.status === status)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        return [200, { requests }];
      }
      const request = this.pendingRequests.find((r) => r.id === parts[1]);
      if (!request) throw new HttpError(404, `no request ${parts[1]}`);
      if (parts.length === 2 && method === "GET") return [200, { request }];
      if (parts.length === 3 && (parts[2] === "approve" || parts[2] === "reject") && method === "POST") {
        const reason = input.reason;
        if (reason !== undefined && (typeof reason !== "string" || reason.length > 500)) throw new HttpError(400, "reason: a string of at most 500 characters");
        if (parts[2] === "reject" && !reason) throw new HttpError(400, "reason: a rejection needs a reason the client will see");
        // Only a pending request held for an operator waits for a decision; a signer's retries do not.
        if (request.status !== "pending" || request.reason !== "approval") throw new HttpError(409, "the request is not waiting for a decision");
        Object.assign(request, { status: parts[2] === "approve" ? "approved" : "rejected", decisionReason: reason, decidedAt: NOW, decidedBy: "admin" });
        return [200, { request }];
      }
    }
    throw new HttpError(404, "not found");
  }

  private createEntity(input: Record<string, unknown>): unknown {
    const { username, subject } = input;
    if (typeof username !== "string" || username === "") throw new HttpError(400, "username: required");
    if (typeof subject !== "string" || subject === "") throw new HttpError(400, "subject: required");
    const profiles = this.profiles(input);
    const sans = input.subjectAltNames ?? [];
    if (!Array.isArray(sans) || !sans.every((s) => typeof s === "string")) throw new HttpError(400, "subjectAltNames: a list of strings");
    if (this.entities.has(username)) throw new HttpError(409, `entity "${username}" exists`);
    const entity = {
      username,
      subject: normaliseSubject(subject),
      subjectAltNames: sans as string[],
      profiles,
      status: "new" as const,
      hasEnrollmentCode: true,
      certificates: [],
      createdAt: NOW,
      updatedAt: NOW,
      code: this.code(input.enrollmentCode),
    };
    this.entities.set(username, entity);
    return { entity: publicEntity(entity), enrollmentCode: entity.code };
  }

  /** `profiles` (a non-empty list) or `profile` (one), each a client-mode profile. */
  private profiles(input: Record<string, unknown>): string[] {
    const field = input.profiles !== undefined ? "profiles" : "profile";
    const names = input.profiles ?? (input.profile === undefined ? undefined : [input.profile]);
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === "string")) throw new HttpError(400, `${field}: required`);
    for (const name of names as string[]) {
      if (SERVER_PROFILES.has(name)) throw new HttpError(400, `${field}: "${name}" is not in client mode`);
      if (!CLIENT_PROFILES.has(name)) throw new HttpError(400, `${field}: unknown profile "${name}"`);
    }
    return names as string[];
  }

  private code(given: unknown): string {
    if (given === undefined) return `generated-code-${++this.generated}`;
    if (typeof given !== "string" || given.length < 8) throw new HttpError(400, "enrollmentCode: at least 8 characters");
    return given;
  }

  /** The cursor is the index of the next row, as text; opaque to the client. */
  private listCertificates(q: URLSearchParams): unknown {
    const limit = q.has("limit") ? Number(q.get("limit")) : 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, "limit: 1..1000");
    const start = q.has("cursor") ? Number(q.get("cursor")) : 0;
    if (!Number.isInteger(start) || start < 0) throw new HttpError(400, "cursor: not one this server gave");
    const subject = q.get("subject")?.toLowerCase();
    const reason = q.has("reason") ? Number(q.get("reason")) : undefined;
    if (reason !== undefined && (!/^\d{1,2}$/.test(q.get("reason")!) || ![0, 1, 2, 3, 4, 5, 6, 9, 10].includes(reason))) {
      throw new HttpError(400, "reason: a CRLReason number 0-6, 9 or 10");
    }
    const since = q.has("revokedSince") ? Date.parse(q.get("revokedSince")!) : undefined;
    if (since !== undefined && Number.isNaN(since)) throw new HttpError(400, "revokedSince: an ISO 8601 time");
    const matching = this.certificates.filter(
      (c) =>
        (!q.get("status") || c.status === q.get("status")) &&
        (!q.get("profile") || c.profile === q.get("profile")) &&
        (!q.get("entity") || c.entity === q.get("entity")) &&
        (!subject || c.subject.toLowerCase().includes(subject)) &&
        (reason === undefined || (c.status === "revoked" && c.revocationReason === reason)) &&
        (since === undefined || (c.revokedAt !== undefined && Date.parse(c.revokedAt) >= since)),
    );
    const size = Math.min(limit, this.options.maxPageSize ?? 1000);
    const page = matching.slice(start, start + size);
    const next = start + size;
    return next < matching.length ? { certificates: page, cursor: String(next) } : { certificates: page };
  }
}

function publicEntity(entity: FakeEntity & { code?: string }): FakeEntity {
  const { code: _code, ...rest } = entity;
  return { ...rest, certificates: [...rest.certificates] };
}

/** OpenSSL's /C=SE/CN=x lists RDNs in DER order; RFC 4514 lists them the other way round. */
function normaliseSubject(subject: string): string {
  return subject.startsWith("/") ? subject.slice(1).split("/").reverse().join(",") : subject;
}

function parseJsonBody(req: IncomingMessage, body: string): Record<string, unknown> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) throw new HttpError(415, "content type must be application/json");
  try {
    const parsed = JSON.parse(body === "" ? "{}" : body) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
    return parsed as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "body: not a JSON object");
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
