/**
 * GET (and HEAD) /health: whether this instance can serve, for load
 * balancers, uptime monitors and the operator (docs/health.md). No
 * authentication, so the answer holds no secret and no detail an attacker
 * could use: each check is "ok" or a short reason; the details go to the log.
 * It is answered before the app (src/runtime/instance.ts), because it must
 * answer when the app cannot be built; profile paths may not be /health
 * (RESERVED_PATHS in src/config/load_publication.ts).
 */

export const HEALTH_PATH = "/health";

/** Each part by name ("configuration", "caSigner", "store"): "ok" or why not. */
export type HealthChecks = Record<string, string>;

export interface HealthReport {
  status: "ok" | "unavailable";
  checks: HealthChecks;
}

/** Seconds a client should wait before asking again while the service is unavailable. */
export const HEALTH_RETRY_AFTER_SECONDS = 30;

/** Cheap enough for every request: most URLs are told apart without parsing. */
export function isHealthRequest(url: string): boolean {
  if (!url.includes(HEALTH_PATH)) return false;
  const { pathname } = new URL(url);
  return pathname === HEALTH_PATH || pathname === `${HEALTH_PATH}/`;
}

export function healthReport(checks: HealthChecks): HealthReport {
  return { status: Object.values(checks).every((check) => check === "ok") ? "ok" : "unavailable", checks };
}

export function healthResponse(report: HealthReport, method: string): Response {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "no-store" };
  if (report.status !== "ok") headers["retry-after"] = String(HEALTH_RETRY_AFTER_SECONDS);
  return new Response(method === "HEAD" ? null : JSON.stringify(report), { status: report.status === "ok" ? 200 : 503, headers });
}

export function healthMethodNotAllowed(): Response {
  return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" } });
}
