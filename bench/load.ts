import { webcrypto } from "node:crypto";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";

/**
 * The load generator: `workers` concurrent loops, each running whole CMP
 * transactions (one call into the client library each) back to back until
 * the deadline. Every transaction's latency is kept; throughput is counted
 * over the time actually spent (a workload that runs out of material, like
 * rr with its pool of certificates, stops early and is not penalised).
 */

export interface LoadResult {
  completed: number;
  failed: number;
  /** The first failure's message, for the report. */
  firstError?: string;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** One transaction; `false` when there is no material left (stop this worker). */
export type Transaction = (worker: number) => Promise<boolean | void>;

export async function runLoad(transaction: Transaction, workers: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + durationMs;
  let lastEnd = start;
  const loop = async (worker: number) => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      let more: boolean | void = true;
      try {
        more = await transaction(worker);
        latencies.push(performance.now() - begin);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      lastEnd = Math.max(lastEnd, performance.now());
      if (more === false) return;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)));
  const elapsedMs = lastEnd - start;
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    failed,
    firstError,
    elapsedMs,
    perSecond: elapsedMs > 0 ? (latencies.length * 1000) / elapsedMs : 0,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * Device keys made before the clock starts, so that key generation (client
 * work) does not count as server time; handed out round robin.
 */
export class KeyPool {
  #next = 0;
  private constructor(readonly signers: LocalSigner[]) {}

  static async generate(size: number): Promise<KeyPool> {
    const signers = await Promise.all(
      Array.from({ length: size }, async () => LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8)),
    );
    return new KeyPool(signers);
  }

  next(): LocalSigner {
    return this.signers[this.#next++ % this.signers.length]!;
  }
}

/** Subjects that differ per transaction, so no server could cache by name. */
export function deviceSubject(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(6));
  return `CN=bench-${Buffer.from(bytes).toString("hex")}`;
}
