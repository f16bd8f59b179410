import type { Hono } from "hono/tiny";
import { randomBytes } from "../../crypto/random_pool.js";
import { cookieHeader, isHttps, readCookie } from "./cookies.js";
import { BASE, type ConsoleContext, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { readForm } from "./guard.js";
import { html } from "./html.js";
import { errorPage, page } from "./respond.js";
import { isSameOrigin } from "./same_origin.js";
import { SESSION_COOKIE, SESSION_SECONDS, issueSession, readSession } from "./session.js";

/**
 * Logging in with the operator's admin token (a password field, posted,
 * never in a URL) and out. The token is checked and forgotten: the session
 * cookie carries only a MAC keyed with the token's digest.
 */
export function registerLogin(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  const clock = deps.clock ?? Date.now;
  const random = deps.randomBytes ?? randomBytes;

  // Already logged in: straight to the console.
  app.get("/login", async (c) => {
    const session = await readSession(readCookie(c.req.header("cookie"), SESSION_COOKIE), deps.operators, clock());
    return session ? new Response(null, { status: 303, headers: { location: `${BASE}/` } }) : loginPage(c);
  });
  app.post("/login", async (c) => {
    if (!isSameOrigin(c.req.raw)) return errorPage(c, 403, "Request refused", "A login from another site is refused.");
    const form = await readForm(c.req.raw);
    if (typeof form === "string") return errorPage(c, 400, "Bad request", form);
    const operator = await deps.operators.authenticate(form.get("token") ?? "");
    if (!operator) {
      deps.log({ time: new Date().toISOString(), admin: true, console: true, outcome: "login-refused", status: 401 });
      return loginPage(c, "That token is not valid.", 401);
    }
    const { cookieValue } = await issueSession(operator, clock(), random);
    deps.log({ time: new Date().toISOString(), admin: true, console: true, outcome: "login", operator: operator.name, role: operator.role });
    return new Response(null, {
      status: 303,
      headers: { location: `${BASE}/`, "set-cookie": cookieHeader(SESSION_COOKIE, cookieValue, { path: BASE, secure: isHttps(c.req.raw), maxAgeSeconds: SESSION_SECONDS }) },
    });
  });
}

/** After the guard: the session's CSRF token is checked, so a page elsewhere cannot log an operator out. */
export function registerLogout(app: Hono<ConsoleEnv>): void {
  app.post("/logout", (c) => {
    const headers = new Headers({ location: `${BASE}/login` });
    headers.append("set-cookie", cookieHeader(SESSION_COOKIE, "", { path: BASE, secure: isHttps(c.req.raw), maxAgeSeconds: 0 }));
    return new Response(null, { status: 303, headers });
  });
}

function loginPage(c: ConsoleContext, error?: string, status = 200): Response {
  return page(
    c,
    { title: "Log in" },
    html`<h1>Log in</h1>
${error ? html`<div class="flash error" role="alert">${error}</div>` : ""}
<form class="stack" method="post" action="${BASE}/login">
<div class="field"><label for="token">Admin token <span class="hint">(your ADMIN_TOKENS or ADMIN_TOKEN secret)</span></label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus></div>
<div><button type="submit">Log in</button></div>
</form>`,
    status,
  );
}
