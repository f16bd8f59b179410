import type { MiddlewareHandler } from "hono";
import { readBodyWithLimit } from "../read_body.js";
import { readCookie } from "./cookies.js";
import { BASE, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { readFlash } from "./flash.js";
import { errorPage } from "./respond.js";
import { isSameOrigin } from "./same_origin.js";
import { SESSION_COOKIE, csrfToken, readSession, validCsrfToken } from "./session.js";

/**
 * Runs before every console page but the login page and the stylesheet:
 * no valid session, no page (GET goes to the login page); every POST must
 * come from this origin and carry this session's CSRF token, and its form
 * is read here, once, within a size limit.
 */

const MAX_FORM = 16 * 1024;

export function sessionGuard(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  const clock = deps.clock ?? Date.now;
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && method !== "POST") return errorPage(c, 405, "Method not allowed", "The console answers GET and POST only.");
    const session = await readSession(readCookie(c.req.header("cookie"), SESSION_COOKIE), deps.operators, clock());
    if (!session) {
      if (method !== "POST") return new Response(null, { status: 303, headers: { location: `${BASE}/login` } });
      return errorPage(c, 401, "Not logged in", "Your session has ended or was never there. Log in and try again.");
    }
    c.set("session", session);
    c.set("csrf", await csrfToken(session));
    if (method === "POST") {
      if (!isSameOrigin(c.req.raw)) return refused(c, "a cross-site request");
      const form = await readForm(c.req.raw);
      if (typeof form === "string") return errorPage(c, 400, "Bad request", form);
      if (!(await validCsrfToken(session, form.get("csrf")))) return refused(c, "a form without this session's security token");
      c.set("form", form);
    } else {
      c.set("flash", await readFlash(c.req.header("cookie"), session));
    }
    await next();
  };

  function refused(c: Parameters<MiddlewareHandler<ConsoleEnv>>[0], what: string): Response {
    deps.log({ time: new Date().toISOString(), admin: true, console: true, outcome: "csrf-refused", operator: c.get("session").operator.name, method: c.req.method, path: c.req.path });
    return errorPage(c, 403, "Request refused", `This was ${what}; nothing was changed. Reload the page and try again.`);
  }
}

/** An application/x-www-form-urlencoded body of at most 16 KiB, or why not. */
export async function readForm(request: Request): Promise<URLSearchParams | string> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) return "Expected a form (application/x-www-form-urlencoded).";
  const read = await readBodyWithLimit(request, MAX_FORM);
  if (!read.ok) return "The form is too large.";
  return new URLSearchParams(new TextDecoder().decode(read.bytes));
}
