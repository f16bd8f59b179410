import type { Log } from "./log.js";
import { Misconfigured } from "./settings.js";

/**
 * What to answer and log while the composition cannot be built. Wrong
 * settings stay wrong until a redeploy; anything else (KMS unreachable at a
 * cold start) may pass. Either way a client gets 503 with Retry-After, never
 * a 500: the service is unavailable, nothing is broken in the request. The
 * reason is logged once per distinct message and minute, not once per
 * request, so a storm of retries does not bury the log.
 */

export interface StartupFailure {
  misconfigured: boolean;
  /** Names the setting at fault, never its value (Misconfigured's promise). */
  message: string;
}

export function startupFailure(error: unknown): StartupFailure {
  if (error instanceof Misconfigured) return { misconfigured: true, message: error.message };
  return { misconfigured: false, message: `startup failed: ${error instanceof Error ? error.message : String(error)}` };
}

/** A wrong setting waits for a redeploy; a transient failure is retried by the next request. */
const RETRY_AFTER_SECONDS = { misconfigured: 300, transient: 10 };

export function unavailableResponse(failure: StartupFailure): Response {
  const body = failure.misconfigured ? `misconfigured: ${failure.message}` : `unavailable: ${failure.message}`;
  return new Response(body, {
    status: 503,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "retry-after": String(failure.misconfigured ? RETRY_AFTER_SECONDS.misconfigured : RETRY_AFTER_SECONDS.transient),
    },
  });
}

export class StartupFailureLog {
  private last: { message: string; at: number } | undefined;

  constructor(
    private readonly log: Log,
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = 60_000,
  ) {}

  report(failure: StartupFailure): void {
    const now = this.clock();
    if (this.last && this.last.message === failure.message && now - this.last.at < this.intervalMs) return;
    this.last = { message: failure.message, at: now };
    this.log({ level: "error", outcome: failure.misconfigured ? "misconfigured" : "startup-failed", error: failure.message });
  }
}
