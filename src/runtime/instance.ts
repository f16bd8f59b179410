import { expireStale, type ExpirySweep } from "../cmp/expiry.js";
import { currentCrl } from "../crl/crl_publisher.js";
import type { Composed } from "./compose.js";
import { consoleLog, type Log } from "./log.js";
import { Misconfigured } from "./settings.js";

/**
 * One composition per isolate (Workers) or execution environment (Lambda),
 * built on the first request and reused by the next ones. Until it can be
 * built, every request gets 500 "misconfigured: …" naming the setting at
 * fault, never a CMP answer made with half a configuration.
 */
export class Instance {
  private building: Promise<Composed> | undefined;

  constructor(
    private readonly build: () => Promise<Composed>,
    private readonly log: Log = consoleLog,
  ) {}

  /** The composition. Wrong settings stay wrong until a redeploy, so that failure is kept; any other is retried. */
  ready(): Promise<Composed> {
    if (!this.building) {
      const attempt = Promise.resolve().then(() => this.build());
      this.building = attempt;
      attempt.catch((error: unknown) => {
        // E.g. the KMS timing out at a cold start: the next request tries again instead of failing for the container's life.
        if (!(error instanceof Misconfigured) && this.building === attempt) this.building = undefined;
      });
    }
    return this.building;
  }

  /** `env` goes to the app as Hono's c.env (Node: the IncomingMessage and ServerResponse). */
  async fetch(request: Request, env?: unknown): Promise<Response> {
    let composed: Composed;
    try {
      composed = await this.ready();
    } catch (error) {
      return new Response(`misconfigured: ${this.reportStartup(error)}`, {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return composed.app.fetch(request, env);
  }

  /**
   * The scheduled expiry of waiting requests and unconfirmed certificates
   * (src/cmp/expiry.ts); undefined when the instance cannot be built.
   */
  async sweep(): Promise<ExpirySweep | undefined> {
    let composed: Composed;
    try {
      composed = await this.ready();
    } catch (error) {
      this.reportStartup(error);
      return undefined;
    }
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

  private reportStartup(error: unknown): string {
    const what = error instanceof Misconfigured ? error.message : `startup failed: ${String(error)}`;
    this.log({ level: "error", outcome: "misconfigured", error: what });
    return what;
  }
}
