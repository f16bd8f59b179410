/**
 * Whether a state-changing request comes from the console's own pages
 * (second line of defence after the CSRF token). Browsers say where a
 * request comes from in Sec-Fetch-Site and Origin; a cross-site one is
 * refused. The pages' Referrer-Policy no-referrer makes browsers send
 * `Origin: null` even on same-origin form posts (Fetch, "append a request
 * Origin header"), so "null" counts only with Sec-Fetch-Site same-origin.
 * A client that sends neither (curl) still needs the session and CSRF token.
 */
export function isSameOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  if (origin === "null") return site === "same-origin";
  return origin === new URL(request.url).origin;
}
