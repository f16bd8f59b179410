import { BASE, type ConsoleContext } from "./env.js";
import { clearFlashCookie, flashCookie, hasFlashCookie, type Flash } from "./flash.js";
import { html, type Renderable } from "./html.js";
import { layout, type Section } from "./layout.js";
import { isHttps } from "./cookies.js";

/** How console handlers answer: a page in the frame, a redirect with a flash message, an error page. */

export const HTML = "text/html; charset=utf-8";

export function page(c: ConsoleContext, frame: { title: string; section?: Section }, body: Renderable, status = 200): Response {
  const session = c.get("session");
  const headers = new Headers({ "content-type": HTML });
  // The flash was read by the guard for this page: it is shown once.
  if (hasFlashCookie(c.req.header("cookie"))) headers.append("set-cookie", clearFlashCookie(isHttps(c.req.raw)));
  const text = layout({ ...frame, operator: session?.operator, csrf: c.get("csrf"), flash: c.get("flash") }, body);
  return new Response(text, { status, headers });
}

/** Post/Redirect/Get: 303 to a console page, with a one-shot message for it. */
export async function redirect(c: ConsoleContext, path: string, flash?: Flash): Promise<Response> {
  const headers = new Headers({ location: `${BASE}${path}` });
  if (flash) headers.append("set-cookie", await flashCookie(c.get("session"), flash, isHttps(c.req.raw)));
  return new Response(null, { status: 303, headers });
}

export function errorPage(c: ConsoleContext, status: number, title: string, message: Renderable): Response {
  const back = c.get("session") ? html`<p><a href="${BASE}/">Back to the console</a></p>` : html`<p><a href="${BASE}/login">Log in</a></p>`;
  return page(c, { title }, html`<h1>${title}</h1><p>${message}</p>${back}`, status);
}
