import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { JellyfishConfig, Profile } from "../config/profile.js";
import { handleCmp as engineHandleCmp } from "../cmp/engine.js";
import type { CmpAnswer, EngineContext } from "../cmp/engine_types.js";
import { createAdminApp, type AdminDeps } from "./admin.js";
import { createConsoleApp, type ConsoleDeps } from "./console/app.js";
import { createPublicationApp, type PublicationDeps } from "./publication.js";
import { createOcspApp, type OcspAppDeps } from "./ocsp.js";
import { isPkixCmp, PKIXCMP } from "./media_type.js";
import { startDeadline, type Deadline } from "./deadline.js";
import { readBodyWithLimit, type BodyReader } from "./read_body.js";
import { requestHeader, type HeaderReader } from "./request_header.js";

/**
 * The HTTP face of Jellyfish: turns a POST into bytes for the engine and the
 * engine's bytes into the answer (DESIGN.md, layer src/http/). It checks only
 * what HTTP owns (path, method, media type, size) and knows no CMP.
 */

export type HandleCmp = (request: Uint8Array, profile: Profile, ctx: EngineContext) => Promise<CmpAnswer>;

export interface AppDeps {
  config: JellyfishConfig;
  /** The engine's dependencies; called per request, so it may hand out a cached object. */
  context: () => EngineContext | Promise<EngineContext>;
  /** Receives one JSON-serialisable line per request. */
  log: (line: object) => void;
  /** The engine; tests pass their own. */
  handleCmp?: HandleCmp;
  /** Milliseconds since the epoch, for the log's time and duration; defaults to Date.now. */
  clock?: () => number;
  /** The admin API; absent, /admin answers 404 (docs/admin-api.md: disabled without a token). */
  admin?: AdminDeps;
  /** The web console at /admin/console (docs/console.md); absent, it answers 404 as /admin does. */
  console?: ConsoleDeps;
  /** CRLs and the CA certificate for relying parties; absent, those paths answer 404. */
  publication?: PublicationDeps;
  /** The OCSP responder at /ocsp (docs/ocsp.md); absent, /ocsp answers 404. */
  ocsp?: Pick<OcspAppDeps, "context">;
  /** The runtime's faster body reader, if it has one. */
  readBody?: BodyReader;
  /** The runtime's faster header reader, if it has one (Content-Type of CMP and OCSP requests). */
  header?: HeaderReader;
  /** Starts the body read deadline (limits.bodyReadTimeoutSeconds); tests pass one they settle themselves. */
  deadline?: (milliseconds: number) => Deadline;
}

// RFC 9811 §3.4: /.well-known/cmp, optionally /p/<name> for a profile and a
// trailing operation label (RFC 9483 §6.1: initialization, certification,
// ...). The label only names what the message body already says, so any one
// segment is accepted and ignored.
const BASE = "/.well-known/cmp";
const CLOSE = { connection: "close" };

export function createApp(deps: AppDeps): Hono {
  const handle = deps.handleCmp ?? engineHandleCmp;
  const clock = deps.clock ?? Date.now;
  const deadlineOf = deps.deadline ?? startDeadline;
  const app = new Hono({ strict: false });

  const safeLog = (line: object): void => {
    try {
      deps.log(line);
    } catch {
      // A broken log sink must not turn into a failed CMP exchange.
    }
  };

  const serve = async (c: Context, profileName: string): Promise<Response> => {
    const started = clock();
    const logLine = (fields: Record<string, unknown>): void =>
      safeLog({ time: new Date(started).toISOString(), ...fields, ms: clock() - started });
    const reject = (status: 400 | 404 | 405 | 408 | 413 | 415, reason: string, headers?: Record<string, string>): Response => {
      logLine({ profile: profileName.slice(0, 64), outcome: "rejected", reason, status, method: c.req.method });
      return new Response(reason, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
    };

    const profile = deps.config.profiles.get(profileName);
    if (!profile) return reject(404, "unknown profile");
    // RFC 9811 §3.1: CMP messages travel in POST requests only.
    if (c.req.method !== "POST") return reject(405, "method not allowed", { allow: "POST" });
    if (!isPkixCmp(requestHeader(c, "content-type", deps.header))) return reject(415, `content type must be ${PKIXCMP}`);
    const { maxRequestBytes, bodyReadTimeoutSeconds } = deps.config.limits;
    const deadline = deadlineOf(bodyReadTimeoutSeconds * 1000);
    let body;
    try {
      body = await (deps.readBody?.(c, maxRequestBytes, deadline.reached) ?? readBodyWithLimit(c.req.raw, maxRequestBytes, deadline.reached));
    } finally {
      deadline.clear();
    }
    // The rest of a refused body is not read (src/http/read_body.ts), so the
    // connection cannot carry another request: say so where the runtime
    // lets the app (Node does; workerd drops the hop-by-hop header and closes
    // or drains by itself). RFC 9110 §15.5.9: a 408 closes the connection.
    if (!body.ok && body.reason === "too-slow") return reject(408, "request body not received in time", CLOSE);
    // Nobody may be left to read it; the log says what happened, not "internal error".
    if (!body.ok && body.reason === "cut-off") return reject(400, "request body cut off", CLOSE);
    if (!body.ok) return reject(413, "request too large", CLOSE);

    let answer: CmpAnswer;
    try {
      answer = await handle(body.bytes, profile, await deps.context());
    } catch (error) {
      // The engine answers bad input itself; reaching this is a bug, which
      // the operator sees in the log and the client never sees.
      logLine({ profile: profile.name, outcome: "internal-error", status: 500, ...describe(error) });
      return internalError();
    }
    logLine({ ...answer.log, status: answer.httpStatus });
    return cmpResponse(answer);
  };

  app.all(BASE, (c) => serve(c, deps.config.defaultProfile));
  app.all(`${BASE}/p/:profile`, (c) => serve(c, c.req.param("profile")));
  app.all(`${BASE}/p/:profile/:operation`, (c) => serve(c, c.req.param("profile")));
  app.all(`${BASE}/:operation`, (c) =>
    // "/p" alone is a profile path missing its name, not an operation label.
    c.req.param("operation") === "p" ? c.notFound() : serve(c, deps.config.defaultProfile),
  );

  // Before the admin API, whose bearer-token check would otherwise answer the console's paths.
  if (deps.console) {
    app.route("/admin/console", createConsoleApp(deps.console));
    app.get("/admin", (c) => c.redirect("/admin/console/", 302));
  }
  if (deps.admin) app.route("/admin", createAdminApp(deps.admin));
  if (deps.publication) app.route("/", createPublicationApp(deps.publication));
  if (deps.ocsp) {
    const { bodyReadTimeoutSeconds } = deps.config.limits;
    app.route("/ocsp", createOcspApp({ ...deps.ocsp, log: safeLog, clock, readBody: deps.readBody, header: deps.header, deadline: deps.deadline, bodyReadTimeoutSeconds }));
  }

  // Extra paths per profile, e.g. EJBCA's /ejbca/publicweb/cmp/<alias>, so configured devices keep working.
  for (const profile of deps.config.profiles.values()) {
    for (const path of profile.paths) app.all(path, (c) => serve(c, profile.name));
  }

  app.onError((error) => {
    safeLog({ time: new Date(clock()).toISOString(), outcome: "internal-error", status: 500, ...describe(error) });
    return internalError();
  });
  return app;
}

/**
 * The exact framing the OpenSSL 3.0 client needs: Content-Type without
 * parameters and an explicit Content-Length, never chunked (DESIGN.md).
 */
function cmpResponse(answer: CmpAnswer): Response {
  return new Response(answer.body as Uint8Array<ArrayBuffer>, {
    status: answer.httpStatus,
    headers: { "content-type": PKIXCMP, "content-length": String(answer.body.byteLength) },
  });
}

function internalError(): Response {
  return new Response("internal error", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function describe(error: unknown): Record<string, string | undefined> {
  if (error instanceof Error) return { error: `${error.name}: ${error.message}`, stack: error.stack };
  return { error: String(error) };
}
