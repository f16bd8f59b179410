/**
 * A health probe answered from memory for a while, so a monitor polling
 * /health every second (or many at once) costs the backend one call per
 * interval, not one per poll. Successes are kept longer than failures: an
 * outage should show as over soon after it is. Concurrent callers share the
 * one call in flight.
 */

export type ProbeOutcome = { ok: true } | { ok: false; reason: string };

export interface CachedProbeOptions {
  /** How long a success is reused. */
  okMs: number;
  /** How long a failure is reused. */
  failedMs: number;
  /** Milliseconds, for tests; default Date.now. */
  clock?: () => number;
}

export function cachedProbe(probe: () => Promise<ProbeOutcome>, options: CachedProbeOptions): () => Promise<ProbeOutcome> {
  const clock = options.clock ?? Date.now;
  let kept: { outcome: ProbeOutcome; until: number } | undefined;
  let running: Promise<ProbeOutcome> | undefined;
  return () => {
    if (kept && clock() < kept.until) return Promise.resolve(kept.outcome);
    running ??= probe()
      .catch((error: unknown): ProbeOutcome => ({ ok: false, reason: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => {
        kept = { outcome, until: clock() + (outcome.ok ? options.okMs : options.failedMs) };
        running = undefined;
        return outcome;
      });
    return running;
  };
}
