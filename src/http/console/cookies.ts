import { parse } from "hono/utils/cookie";

/**
 * The console's cookies: HttpOnly (no script reads them), SameSite=Strict
 * (no other site's page sends them), scoped to the console's path, and
 * Secure whenever the request came over https.
 */

/** The value of cookie `name` in a Cookie header, parsed by hono's cookie parser. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header ? parse(header, name)[name] : undefined;
}

export function cookieHeader(name: string, value: string, options: { path: string; secure: boolean; maxAgeSeconds: number }): string {
  return [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAgeSeconds}`, "HttpOnly", "SameSite=Strict", ...(options.secure ? ["Secure"] : [])].join("; ");
}

export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}
