import { execFile } from "node:child_process";
import { webcrypto } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { createCertificationRequest } from "../src/ca/csr_builder.js";
import { CmpClient, type Fetch } from "../src/client/index.js";
import { handleCmp } from "../src/cmp/engine.js";
import type { EngineContext } from "../src/cmp/engine_types.js";
import { loadConfig } from "../src/config/load.js";
import type { LocalSigner } from "../src/kms/local.js";
import { MemoryStore } from "../src/store/memory.js";
import { callsBetween, countingStore } from "./counting_store.js";
import { makeTestCa } from "../test/support/engine_server.js";
import { deviceSubject, KeyPool } from "./load.js";
import { ROOT } from "./targets.js";
import { ocspSamples } from "./ocsp.js";
import { OPENSSL_PBM_ROUNDS } from "./workloads.js";

/**
 * The engine alone: handleCmp with a MemoryStore, fed by the client library
 * through a fetch that calls it directly (no HTTP, no sockets). CPU time
 * (process.cpuUsage, user + system, all threads: WebCrypto work on the
 * thread pool counts too) is taken around each handleCmp call and filed by
 * the request's body type. Transactions run one at a time so that nothing
 * else runs while a message is measured.
 */

export interface EngineResult {
  /** Mean (GC and all) and median (the typical message) CPU µs per message kind, and how many were measured. */
  perMessage: Record<string, { microseconds: number; median: number; count: number }>;
  /**
   * Store calls per message by message kind (mean over the messages
   * measured), in total and by method: on Workers each is one Durable
   * Object call (bench/counting_store.ts says why). Absent in results from
   * before it was counted.
   */
  storeCalls?: Record<string, { perMessage: number; byMethod: Record<string, number> }>;
  /**
   * The client library's own CPU µs per MAC enrollment (ir and its
   * certConf, built, protected, and their answers checked): around each
   * enrollment, minus the engine's CPU for its two messages. No HTTP client
   * on either side, as in a Worker whose fetch is the runtime's. Absent in
   * results from before it was measured.
   */
  clientLibrary?: { microseconds: number; median: number; count: number };
  failures: string[];
}

/** engineMicrobenchmark in a fresh Node process (bench/engine_main.ts), away from the load generator's heap. */
export async function engineInOwnProcess(transactions: number): Promise<EngineResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "bench/engine_main.ts"), String(transactions)], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as EngineResult;
}

export async function engineMicrobenchmark(transactions: number, warmupTransactions = transactions): Promise<EngineResult> {
  const { ca } = await makeTestCa("P-256", "CN=Bench CA");
  const caCertificate = ca.certificate;
  const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
  const profile = config.profiles.get(config.defaultProfile)!;
  const counter = countingStore(new MemoryStore());
  const store = counter.store;
  const context: EngineContext = {
    config,
    ca,
    store,
    now: () => new Date(),
    randomBytes: (length) => webcrypto.getRandomValues(new Uint8Array(length)),
    warn: () => undefined,
  };
  const samples = new Map<string, number[]>();
  const calls = new Map<string, Array<Record<string, number>>>();
  let engineMicrosSinceMark = 0;
  const clientSamples: number[] = [];
  let label: string | undefined; // Names the message kind where the body type alone does not (ir with MAC vs cr signed).
  const inProcess: Fetch = async (_url, init) => {
    const callsBefore = counter.byMethod();
    const before = process.cpuUsage();
    const answer = await handleCmp(init.body, profile, context);
    const used = process.cpuUsage(before);
    engineMicrosSinceMark += used.user + used.system;
    const made = callsBetween(callsBefore, counter.byMethod());
    // A certConf is filed with the protection of its transaction: "certConf (MAC)" after "ir (MAC)".
    const kind = answer.log.bodyType === "certConf"
      ? `certConf${/ \((MAC|signature)\)$/.exec(label ?? "")?.[0] ?? ""}`
      : (label ?? answer.log.bodyType ?? "unknown");
    const list = samples.get(kind) ?? [];
    list.push(used.user + used.system);
    samples.set(kind, list);
    const callList = calls.get(kind) ?? [];
    callList.push(made);
    calls.set(kind, callList);
    return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
  };
  const url = "http://engine.invalid/.well-known/cmp";
  const mac = new CmpClient({ url, protection: { mac: { reference: "dev", secret: "s3cret", iterations: OPENSSL_PBM_ROUNDS } }, fetch: inProcess });
  const keys = await KeyPool.generate(Math.min(transactions, 64));
  const failures: string[] = [];
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    label = what;
    try {
      await run();
    } catch (error) {
      if (failures.length < 5) failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const warm = keys.next();
  const warmResult = await mac.ir({ subject: deviceSubject(), key: { signer: warm } });
  const credential = { signer: warm, certificate: warmResult.certificate };
  const signed = new CmpClient({
    url,
    protection: { signature: { signer: credential.signer, certificates: [credential.certificate] } },
    trust: { anchors: [caCertificate] },
    fetch: inProcess,
  });
  const csrs = await Promise.all(keys.signers.slice(0, 16).map((signer) => createCertificationRequest({ signer, subject: deviceSubject(), ca: false })));
  const revocable: Array<{ signer: LocalSigner; certificate: Uint8Array }> = [];
  const transactionsOfEachKind = async (count: number) => {
    revocable.length = 0;
    for (let i = 0; i < count; i++) {
      const signer = keys.next();
      engineMicrosSinceMark = 0;
      const before = process.cpuUsage();
      await attempt("ir (MAC)", async () => revocable.push({ signer, certificate: (await mac.ir({ subject: deviceSubject(), key: { signer } })).certificate }));
      const used = process.cpuUsage(before);
      clientSamples.push(used.user + used.system - engineMicrosSinceMark);
      await attempt("cr (signature)", () => signed.cr({ subject: deviceSubject(), key: { signer: keys.next() } }));
      await attempt("p10cr (MAC)", () => mac.p10cr({ csr: csrs[i % csrs.length]! }));
    }
    for (const holder of revocable) {
      const client = new CmpClient({
        url,
        protection: { signature: { signer: holder.signer, certificates: [holder.certificate] } },
        trust: { anchors: [caCertificate] },
        fetch: inProcess,
      });
      await attempt("rr (signature)", () => client.rr({ certificate: holder.certificate }));
    }
  };
  // Warm-up, not counted: the same mix, until V8 has compiled the hot code
  // (its optimizing compiler works on other threads, whose CPU would count
  // against the messages measured). bench/steps.ts measures the crypto floor
  // after a warm-up too, so both sides of engineToFloorRatio are steady state.
  await transactionsOfEachKind(warmupTransactions);
  samples.clear();
  calls.clear();
  clientSamples.length = 0;
  await transactionsOfEachKind(transactions);
  // OCSP answers for the certificates issued above (revoked by now), on the same store.
  try {
    for (const [kind, list] of await ocspSamples(ca, store, revocable.map((holder) => holder.certificate), Math.max(100, transactions))) samples.set(kind, list);
  } catch (error) {
    failures.push(`OCSP: ${error instanceof Error ? error.message : String(error)}`);
  }
  const perMessage: EngineResult["perMessage"] = {};
  for (const [kind, list] of samples) perMessage[kind] = meanAndMedian(list);
  const storeCalls: NonNullable<EngineResult["storeCalls"]> = {};
  for (const [kind, list] of calls) {
    // Whole counts summed first and divided once, so that 2 calls a message reads 2, not 2.0000000000000004.
    const sums: Record<string, number> = {};
    for (const made of list) for (const [method, count] of Object.entries(made)) sums[method] = (sums[method] ?? 0) + count;
    const total = Object.values(sums).reduce((sum, count) => sum + count, 0);
    const byMethod = Object.fromEntries(Object.entries(sums).map(([method, count]) => [method, count / list.length]));
    storeCalls[kind] = { perMessage: total / list.length, byMethod };
  }
  return { perMessage, storeCalls, clientLibrary: meanAndMedian(clientSamples), failures };
}

function meanAndMedian(list: readonly number[]): { microseconds: number; median: number; count: number } {
  const sorted = [...list].sort((a, b) => a - b);
  const mean = list.reduce((sum, micros) => sum + micros, 0) / list.length;
  return { microseconds: mean, median: sorted[Math.floor(sorted.length / 2)]!, count: list.length };
}
