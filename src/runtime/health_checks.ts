import type { CertificateAuthority } from "../ca/authority.js";
import type { HealthChecks } from "../http/health.js";
import type { Store } from "../store/store.js";
import { cachedProbe, type ProbeOutcome } from "./cached_probe.js";
import type { Log } from "./log.js";

/**
 * The checks of /health once the composition is built: can the CA sign
 * (a key in memory always can; a KMS key is asked, src/kms/aws_kms.ts
 * probe) and can the store be read. Each is cached (src/runtime/cached_probe.ts)
 * so probes cost KMS and the store at most one call per interval. The answer
 * says only "ok" or a fixed reason; what went wrong goes to the log, once per
 * failed probe, because /health is public.
 */

/** A key no writer uses: reading it asks the store for nothing but an answer. */
export const HEALTH_STORE_KEY = "health/probe";

export interface HealthCheckOptions {
  log: Log;
  /** Store reads slower than this count as failed. */
  storeTimeoutMs?: number;
  clock?: () => number;
}

export function healthChecks(parts: { ca: CertificateAuthority; store: Store }, options: HealthCheckOptions): () => Promise<HealthChecks> {
  const { log, clock } = options;
  const storeTimeoutMs = options.storeTimeoutMs ?? 2000;
  const logged = (check: string, probe: () => Promise<void>) => async (): Promise<ProbeOutcome> => {
    try {
      await probe();
      return { ok: true };
    } catch (error) {
      log({ level: "error", outcome: "health-check-failed", check, error: error instanceof Error ? error.message : String(error) });
      return { ok: false, reason: "unreachable" };
    }
  };
  const { signer } = parts.ca;
  const caSigner = signer.probe
    ? cachedProbe(logged("caSigner", () => signer.probe!()), { okMs: 60_000, failedMs: 10_000, clock })
    : () => Promise.resolve<ProbeOutcome>({ ok: true });
  const store = cachedProbe(logged("store", () => withTimeout(parts.store.get(HEALTH_STORE_KEY), storeTimeoutMs)), { okMs: 5_000, failedMs: 2_000, clock });
  return async () => {
    const [caOutcome, storeOutcome] = await Promise.all([caSigner(), store()]);
    return { configuration: "ok", caSigner: text(caOutcome), store: text(storeOutcome) };
  };
}

function text(outcome: ProbeOutcome): string {
  return outcome.ok ? "ok" : outcome.reason;
}

async function withTimeout(operation: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([operation, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
