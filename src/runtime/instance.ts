import { expireStale, type ExpirySweep } from "../cmp/expiry.js";
import { currentCrl } from "../crl/crl_publisher.js";
import { healthMethodNotAllowed, healthReport, healthResponse, isHealthRequest, type HealthChecks } from "../http/health.js";
import type { Composed } from "./compose.js";
import { healthChecks } from "./health_checks.js";
import { consoleLog, type Log } from "./log.js";
import { Misconfigured } from "./settings.js";
import { StartupFailureLog, startupFailure, unavailableResponse, type StartupFailure } from "./startup_failure.js";

/** Below the Retry-After of a transient failure (10 s, startup_failure.ts), so a client that waits as told finds a new attempt. */
export const TRANSIENT_RETRY_MS = 5_000;

/**
 * One composition per isolate (Workers) or execution environment (Lambda),
 * built on the first request (or at start: prepare()) and reused by the
 * next ones. Until it can be built, every request gets 503 "misconfigured:
 * …" naming the setting at fault, never a CMP answer made with half a
 * configuration; /health answers either way (src/http/health.ts).
 */
export class Instance {
  private building: Promise<Composed> | undefined;
  private readonly failures: StartupFailureLog;
  private checks: { of: Composed; run: () => Promise<HealthChecks> } | undefined;
  /** When the last attempt failed transiently; until TRANSIENT_RETRY_MS later, requests get that failure. */
  private failedAt: number | undefined;

  constructor(
    private readonly build: () => Promise<Composed>,
    private readonly log: Log = consoleLog,
    /** Milliseconds; tests pass their own clock to step past the retry pause. */
    private readonly clock: () => number = Date.now,
  ) {
    this.failures = new StartupFailureLog(log);
  }

  /**
   * The composition. Wrong settings stay wrong until a redeploy, so that
   * failure is kept; any other is retried, but not before
   * TRANSIENT_RETRY_MS: during a KMS outage, a burst of requests or health
   * probes shares one failed attempt instead of each calling KMS again.
   */
  ready(): Promise<Composed> {
    if (this.building && this.failedAt !== undefined && this.clock() - this.failedAt >= TRANSIENT_RETRY_MS) {
      this.building = undefined;
      this.failedAt = undefined;
    }
    if (!this.building) {
      const attempt = Promise.resolve().then(() => this.build());
      this.building = attempt;
      attempt.catch((error: unknown) => {
        // E.g. the KMS timing out at a cold start: a later request tries again instead of failing for the container's life.
        if (!(error instanceof Misconfigured) && this.building === attempt) this.failedAt = this.clock();
      });
    }
    return this.building;
  }

  /**
   * Build now, before taking traffic (Node before it listens, Lambda at
   * init). The failure is logged; Misconfigured is thrown so the process or
   * the init fails with its message, anything else is left to the next request.
   */
  async prepare(): Promise<void> {
    try {
      await this.ready();
    } catch (error) {
      this.failures.report(startupFailure(error));
      if (error instanceof Misconfigured) throw error;
    }
  }

  /** `env` goes to the app as Hono's c.env (Node: the IncomingMessage and ServerResponse). */
  async fetch(request: Request, env?: unknown): Promise<Response> {
    if (isHealthRequest(request.url)) return this.health(request.method);
    const composed = await this.composedOrFailure();
    if ("failure" in composed) return unavailableResponse(composed.failure);
    return composed.app.fetch(request, env);
  }

  /** The composition, or why there is none (reported to the log, at most once a minute per reason). */
  private async composedOrFailure(): Promise<Composed | { failure: StartupFailure }> {
    try {
      return await this.ready();
    } catch (error) {
      const failure = startupFailure(error);
      this.failures.report(failure);
      return { failure };
    }
  }

  private async health(method: string): Promise<Response> {
    if (method !== "GET" && method !== "HEAD") return healthMethodNotAllowed();
    const composed = await this.composedOrFailure();
    if ("failure" in composed) return healthResponse(healthReport({ configuration: composed.failure.message }), method);
    if (this.checks?.of !== composed) this.checks = { of: composed, run: healthChecks(composed.context, { log: this.log }) };
    return healthResponse(healthReport(await this.checks.run()), method);
  }

  /**
   * The scheduled expiry of waiting requests and unconfirmed certificates
   * (src/cmp/expiry.ts); undefined when the instance cannot be built.
   */
  async sweep(): Promise<ExpirySweep | undefined> {
    const composed = await this.composedOrFailure();
    if ("failure" in composed) return undefined;
    const sweep = await expireStale(composed.context);
    this.log({ outcome: "expiry", ...sweep });
    await this.renewCrl(composed);
    return sweep;
  }

  /**
   * The CRL is renewed before its nextUpdate even when nobody fetches it, and
   * a revocation nobody has fetched yet is published (RFC 5280 §5.1.2.5).
   * A failure is logged and left to the next run: it must not hide the sweep.
   */
  private async renewCrl(composed: Composed): Promise<void> {
    try {
      const crl = await currentCrl(composed.context);
      if (crl) this.log({ outcome: "crl", crlNumber: crl.number.toString(), entries: crl.entries, nextUpdate: crl.nextUpdate.toISOString() });
    } catch (error) {
      this.log({ level: "error", outcome: "crl-failed", error: error instanceof Error ? error.message : String(error) });
    }
  }
}
