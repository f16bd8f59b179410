import type {
  CertificateAnswer,
  CertificateFilter,
  CertificatePage,
  CertificateWithPem,
  CrlAnswer,
  EntityAnswer,
  EntityList,
  EntityWithCode,
  OperatorAnswer,
  NewEntity,
  RequestAnswer,
  RequestList,
} from "./api_types.js";

/**
 * A fetch-based client of the admin API (docs/admin-api.md). Two kinds of
 * failure come out of it, because the operator acts on them differently:
 * AdminApiError (the server answered and refused: its status and reason) and
 * UnreachableError (no answer at all: wrong URL, server down, DNS, timeout).
 * Neither ever carries the token.
 */

/** The server answered with an error status, or with something that is not the documented answer. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${reason} (HTTP ${status})`);
    this.name = "AdminApiError";
  }
}

/** No HTTP answer came back from `url`. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
    this.name = "UnreachableError";
  }
}

export interface AdminClientOptions {
  /** The Worker's origin (and path prefix, if any), e.g. http://127.0.0.1:8787. */
  baseUrl: string;
  token: string;
  /** A hung server must not hang the operator's shell forever. */
  timeoutMs?: number;
  /** The platform's fetch by default; `--cacert` gives one that trusts that CA (https_fetch.ts). */
  fetch?: typeof globalThis.fetch;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** An error page from a proxy can be a whole HTML document; the operator needs its start. */
const MAX_REASON_CHARS = 200;

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export class AdminClient {
  private readonly base: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof globalThis.fetch;

  constructor(options: AdminClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async createEntity(entity: NewEntity): Promise<EntityWithCode> {
    const { profiles, ...rest } = entity;
    const answer = await this.json("POST", "/admin/entities", { ...rest, ...profileField(profiles) });
    return expectFields<EntityWithCode>(answer, { entity: "object", enrollmentCode: "string" });
  }

  async listEntities(filter: { profile?: string; status?: string }): Promise<EntityList> {
    const answer = await this.json("GET", `/admin/entities${query(filter)}`);
    return expectFields<EntityList>(answer, { entities: "array" });
  }

  async getEntity(username: string): Promise<EntityAnswer> {
    const answer = await this.json("GET", `/admin/entities/${segment(username)}`);
    return expectFields<EntityAnswer>(answer, { entity: "object" });
  }

  async deleteEntity(username: string): Promise<void> {
    await this.send("DELETE", `/admin/entities/${segment(username)}`);
  }

  /** Replace the profiles the entity may enroll through. */
  async setEntityProfiles(username: string, profiles: readonly string[]): Promise<EntityAnswer> {
    const answer = await this.json("PATCH", `/admin/entities/${segment(username)}`, { profiles });
    return expectFields<EntityAnswer>(answer, { entity: "object" });
  }

  async resetEntity(username: string, enrollmentCode?: string): Promise<EntityWithCode> {
    const body = enrollmentCode === undefined ? {} : { enrollmentCode };
    const answer = await this.json("POST", `/admin/entities/${segment(username)}/reset`, body);
    return expectFields<EntityWithCode>(answer, { entity: "object", enrollmentCode: "string" });
  }

  /** One page; see certificate_pages.ts for following the cursor. */
  async listCertificates(filter: CertificateFilter, limit?: number, cursor?: string): Promise<CertificatePage> {
    const params = { ...filter, limit: limit === undefined ? undefined : String(limit), cursor };
    const answer = await this.json("GET", `/admin/certificates${query(params)}`);
    return expectFields<CertificatePage>(answer, { certificates: "array" });
  }

  async getCertificate(serial: string): Promise<CertificateWithPem> {
    const answer = await this.json("GET", `/admin/certificates/${segment(serial)}`);
    return expectFields<CertificateWithPem>(answer, { certificate: "object", pem: "string" });
  }

  async revokeCertificate(serial: string, reason?: number): Promise<CertificateAnswer> {
    const body = reason === undefined ? {} : { reason };
    const answer = await this.json("POST", `/admin/certificates/${segment(serial)}/revoke`, body);
    return expectFields<CertificateAnswer>(answer, { certificate: "object" });
  }

  /** Lift a certificateHold: the API's revoke with removeFromCRL (8). */
  async releaseHold(serial: string): Promise<CertificateAnswer> {
    return this.revokeCertificate(serial, 8);
  }

  /** The current CRL; the server signs nothing for it. */
  async getCrl(): Promise<CrlAnswer> {
    const answer = await this.json("GET", "/admin/crl");
    return expectFields<CrlAnswer>(answer, { crl: "object" });
  }

  /** A new CRL, signed now. An empty JSON body, as every POST of the CLI has one. */
  async regenerateCrl(): Promise<CrlAnswer> {
    const answer = await this.json("POST", "/admin/crl", {});
    return expectFields<CrlAnswer>(answer, { crl: "object" });
  }

  /** Requests in `status` ("all" for every one), oldest first. */
  async listRequests(status?: string): Promise<RequestList> {
    const answer = await this.json("GET", `/admin/requests${query({ status })}`);
    return expectFields<RequestList>(answer, { requests: "array" });
  }

  async getRequest(id: string): Promise<RequestAnswer> {
    const answer = await this.json("GET", `/admin/requests/${segment(id)}`);
    return expectFields<RequestAnswer>(answer, { request: "object" });
  }

  /** The reason is optional when approving; the API refuses a rejection without one. */
  async decideRequest(id: string, decision: "approve" | "reject", reason?: string): Promise<RequestAnswer> {
    const body = reason === undefined ? {} : { reason };
    const answer = await this.json("POST", `/admin/requests/${segment(id)}/${decision}`, body);
    return expectFields<RequestAnswer>(answer, { request: "object" });
  }

  /** The operator the token belongs to (GET /admin/whoami). */
  async whoami(): Promise<OperatorAnswer> {
    return expectFields<OperatorAnswer>(await this.json("GET", "/admin/whoami"), { operator: "object" });
  }

  /** The CA certificate and its chain, PEM, as the server sends it. */
  async caChain(): Promise<string> {
    return (await this.send("GET", "/admin/ca/chain")).text;
  }

  private async json(method: Method, path: string, body?: unknown): Promise<unknown> {
    const { status, text } = await this.send(method, path, body);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AdminApiError(status, "the answer is not JSON");
    }
  }

  private async send(method: Method, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = this.base + path;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect would resend the token to wherever it points; the
        // operator should rather see it and choose the URL themselves.
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new UnreachableError(this.base, describeFailure(error, this.timeoutMs));
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location");
      const where = location ? `to ${location}` : "elsewhere";
      throw new AdminApiError(response.status, `the server redirects ${where}; give that address as --url`);
    }
    if (!response.ok) throw new AdminApiError(response.status, reasonOf(text, response.statusText));
    return { status: response.status, text };
  }
}

/**
 * A path segment. "." and ".." cannot be sent at all: URL parsing resolves
 * them (even percent-encoded) and the request would reach another route.
 */
/** One profile goes as `profile`, which servers from before entities had several profiles read too; several as `profiles`. */
function profileField(profiles: readonly string[]): { profile: string } | { profiles: string[] } {
  return profiles.length === 1 ? { profile: profiles[0]! } : { profiles: [...profiles] };
}

function segment(value: string): string {
  if (value === "" || value === "." || value === "..") throw new Error(`"${value}" cannot be a name in a URL path`);
  return encodeURIComponent(value);
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/** The documented `{"error": "…"}`, else the start of whatever came back, else the status text. */
function reasonOf(text: string, statusText: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isObject(parsed) && typeof parsed.error === "string" && parsed.error !== "") return parsed.error;
  } catch {
    // not JSON: a proxy's or platform's error page
  }
  const firstLine = text.trim().split("\n")[0]?.trim() ?? "";
  if (firstLine !== "") return firstLine.length > MAX_REASON_CHARS ? `${firstLine.slice(0, MAX_REASON_CHARS)}…` : firstLine;
  return statusText || "no reason given";
}

type FieldKind = "object" | "array" | "string";

/** Checks that a 2xx answer has the documented top-level shape, so later code can rely on it. */
function expectFields<T>(answer: unknown, fields: Record<string, FieldKind>): T {
  if (!isObject(answer)) throw new AdminApiError(200, "the answer is not a JSON object");
  for (const [name, kind] of Object.entries(fields)) {
    const value = answer[name];
    const ok = kind === "array" ? Array.isArray(value) : kind === "object" ? isObject(value) : typeof value === kind;
    if (!ok) throw new AdminApiError(200, `the answer has no "${name}" ${kind}`);
  }
  return answer as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED,
 * ENOTFOUND, a TLS error) is in `cause`, sometimes an AggregateError when
 * a name resolved to several addresses.
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return [...new Set(cause.errors.map((e: unknown) => messageOf(e)))].join("; ");
  }
  return messageOf(cause);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.message !== "") return error.message;
    if (typeof code === "string") return code;
  }
  return String(error);
}
