import { Hono } from "hono/tiny";
import { RegistryError } from "../../ca/registry.js";
import { StoreError } from "../../store/store.js";
import { SignerError } from "../../kms/signer.js";
import { registerCa } from "./ca_page.js";
import { registerCertificates } from "./certificates_page.js";
import { registerEntities } from "./entities_page.js";
import type { ConsoleContext, ConsoleDeps, ConsoleEnv } from "./env.js";
import { sessionGuard } from "./guard.js";
import { registerLogin, registerLogout } from "./login.js";
import { registerRequests } from "./requests_page.js";
import { errorPage, redirect } from "./respond.js";
import { STYLESHEET } from "./style.js";

export type { ConsoleDeps } from "./env.js";

/**
 * The web console (docs/console.md), mounted at /admin/console: HTML pages
 * over what the admin API offers, for operators with a browser. It works
 * without JavaScript, and its CSP allows none.
 */

const SECURITY_HEADERS: Array<[string, string]> = [
  ["content-security-policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"],
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  ["cache-control", "no-store"],
  ["x-frame-options", "DENY"],
];

export function createConsoleApp(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use("*", async (c, next) => {
    await next();
    for (const [name, value] of SECURITY_HEADERS) c.res.headers.set(name, value);
  });
  app.get("/style.css", () => new Response(STYLESHEET, { headers: { "content-type": "text/css; charset=utf-8" } }));
  registerLogin(app, deps);
  app.use("*", sessionGuard(deps));
  registerLogout(app);
  registerRequests(app, deps);
  registerCertificates(app, deps);
  registerEntities(app, deps);
  registerCa(app, deps);
  // Last: a mounted app's notFound never runs, and the admin API's bearer check must not see console paths.
  app.all("*", (c) => errorPage(c, 404, "Not found", "The console has no such page."));
  app.onError((error, c) => answerError(c, error, deps));
  return app;
}

/**
 * What went wrong, as a page. A change the operator's role does not allow is
 * 403; a refused change (bad input, a conflict) goes back with the reason as
 * the flash message; the store or signer down is 503; anything else is a bug,
 * logged, and 500 without detail.
 */
async function answerError(c: ConsoleContext, error: Error, deps: ConsoleDeps): Promise<Response> {
  if (error instanceof RegistryError) {
    if (error.kind === "forbidden") return errorPage(c, 403, "Not allowed", `Your role (${c.get("session")?.operator.role}) does not allow this.`);
    if (c.req.method === "POST" && error.kind !== "unavailable") return redirect(c, backTo(c.req.path), { kind: "error", text: error.message });
    const status = { invalid: 400, forbidden: 403, notFound: 404, conflict: 409, unavailable: 503 }[error.kind];
    return errorPage(c, status, status === 404 ? "Not found" : "Refused", error.message);
  }
  if (error instanceof StoreError || error instanceof SignerError) {
    deps.log({ time: new Date().toISOString(), admin: true, console: true, outcome: "unavailable", error: error.message });
    return errorPage(c, 503, "Unavailable", "The store or the CA's signer is unavailable right now; try again shortly.");
  }
  deps.log({ time: new Date().toISOString(), admin: true, console: true, outcome: "internal-error", error: String(error) });
  return errorPage(c, 500, "Internal error", "Something went wrong; the server log has the detail.");
}

/** The page a refused POST returns to: the one its form was on. */
function backTo(path: string): string {
  const inside = path.replace(/^\/admin\/console/, "");
  if (inside.startsWith("/requests/")) return "/";
  const certificate = /^\/certificates\/([^/]+)\/revoke$/.exec(inside);
  if (certificate) return `/certificates/${certificate[1]}`;
  if (inside.startsWith("/crl")) return "/ca";
  return "/entities";
}
