import { toHex } from "../asn1/bytes.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { createCrl, type RevokedEntry } from "../ca/crl_builder.js";
import { prepareIssuer } from "../ca/issuer.js";
import type { JellyfishConfig } from "../config/profile.js";
import type { Store } from "../store/store.js";
import { crlStateKey, deleteCrlChunks, newGeneration, readCrlChunks, writeCrlChunks, type CrlState } from "./crl_storage.js";
import { backfillRevocationIndex, indexRevision, revokedEntries } from "./revocation_index.js";

/** What publishing a CRL needs; the engine's context has all of it. */
export interface CrlContext {
  ca: CertificateAuthority;
  store: Store;
  config: JellyfishConfig;
  now(): Date;
  randomBytes(length: number): Uint8Array;
}

/** A CA's current CRL (RFC 5280 §5) as served. */
export interface PublishedCrl {
  /** Hex of the CA's key identifier: names the CRL in URLs (/crl/<caId>.crl). */
  caId: string;
  der: Uint8Array;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Certificates it lists. */
  entries: number;
  /**
   * True when a revocation is known that this CRL does not list yet, because
   * another instance is building the next one at this moment.
   */
  stale: boolean;
}

/** A build holds its lease this long; a crashed builder blocks nobody for longer. */
const LEASE_SECONDS = 120;
const ATTEMPTS = 6;

/** The CA's key identifier in hex: one CRL, one URL, per CA key. */
export async function caIdOf(ca: CertificateAuthority): Promise<string> {
  return toHex((await prepareIssuer(ca)).keyIdentifier);
}

/** The state of the CA's CRL without building anything (operator tools). */
export async function crlState(context: CrlContext): Promise<{ caId: string; state?: CrlState; revision: number }> {
  const caId = await caIdOf(context.ca);
  const [entry, revision] = await Promise.all([context.store.get<CrlState>(crlStateKey(caId)), indexRevision(context.store)]);
  return { caId, state: entry && entry.value.chunks > 0 ? entry.value : undefined, revision };
}

/**
 * The CA's current CRL, built first when it is due: none yet, a revocation
 * since (the index revision grew), or fewer than publication.crl.refreshSeconds
 * left before its nextUpdate; `force` builds one regardless (the operator's
 * "regenerate now"). So a revocation is on the CRL that the next reader
 * gets, and the scheduled sweep renews the CRL before it runs out even when
 * nobody reads it.
 *
 * One instance builds at a time (a lease in the state entry); the others
 * serve the CRL before it, flagged stale. The new CRL number is written by
 * compare-and-set, so numbers only grow and no two CRLs share one.
 * Undefined only when no CRL exists yet and another instance is building the
 * first.
 */
export async function currentCrl(context: CrlContext, options: { force?: boolean } = {}): Promise<PublishedCrl | undefined> {
  const { store } = context;
  const caId = await caIdOf(context.ca);
  const key = crlStateKey(caId);
  let force = options.force ?? false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const now = context.now();
    // Read before listing: whatever changes after it leaves the revision higher than this build claims.
    const revision = await indexRevision(store);
    const entry = await store.get<CrlState>(key);
    const state = entry?.value;
    if (state && !force && !isDue(state, revision, now, context.config)) {
      const published = await load(store, caId, state, false);
      if (published) return published;
    }
    if (state?.lease && Date.parse(state.lease.until) > now.getTime()) {
      if (state.chunks > 0) {
        const published = await load(store, caId, state, true);
        if (published) return published;
      }
      await pause(200 * (attempt + 1));
      continue;
    }
    const holder = newGeneration(context.randomBytes);
    const leased: CrlState = { ...(state ?? EMPTY_STATE), lease: { until: new Date(now.getTime() + LEASE_SECONDS * 1000).toISOString(), holder } };
    if (!(entry ? await store.compareAndSet(key, entry.version, leased) : await store.create(key, leased))) continue;
    const mine = await store.get<CrlState>(key);
    if (mine?.value.lease?.holder !== holder) continue;
    const built = await build(context, caId, mine.value, revision, now).catch(async (error: unknown) => {
      await releaseLease(store, key, holder);
      throw error;
    });
    if (await store.compareAndSet(key, mine.version, built.state)) {
      if (state && state.chunks > 0) await deleteCrlChunks(store, caId, state.generation, state.chunks).catch(() => undefined);
      remember(caId, built.state.generation, built.der);
      return published(caId, built.state, built.der, false);
    }
    // The lease ran out and another build won: drop ours, serve theirs.
    await deleteCrlChunks(store, caId, built.state.generation, built.state.chunks).catch(() => undefined);
    force = false;
  }
  const last = (await store.get<CrlState>(key))?.value;
  return last && last.chunks > 0 ? load(store, caId, last, true) : undefined;
}

function isDue(state: CrlState, revision: number, now: Date, config: JellyfishConfig): boolean {
  if (state.chunks === 0 || revision > state.builtRevision) return true;
  return now.getTime() >= Date.parse(state.nextUpdate) - config.publication.crl.refreshSeconds * 1000;
}

const EMPTY_STATE: CrlState = { number: "0", thisUpdate: "", nextUpdate: "", entries: 0, bytes: 0, generation: "", chunks: 0, builtRevision: 0 };

/**
 * List the index, sign the CRL and write its chunks; the caller publishes it
 * by compare-and-set. A certificate stays listed until one CRL issued after
 * it expired has carried it (RFC 5280 §3.3), then drops off.
 */
async function build(context: CrlContext, caId: string, previous: CrlState, revision: number, now: Date): Promise<{ state: CrlState; der: Uint8Array }> {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const { validitySeconds } = context.config.publication.crl;
  const nextUpdate = new Date(thisUpdate.getTime() + validitySeconds * 1000);
  const keepUntil = thisUpdate.getTime() - validitySeconds * 1000;
  if (previous.number === EMPTY_STATE.number) await backfillRevocationIndex(context.store, now);
  const entries: RevokedEntry[] = [];
  for await (const entry of revokedEntries(context.store)) {
    if (Date.parse(entry.notAfter) < keepUntil) continue;
    entries.push({ serial: entry.serial, revokedAt: new Date(entry.revokedAt), reason: entry.reason });
  }
  const number = BigInt(previous.number) + 1n;
  const der = await createCrl({ ca: context.ca, number, thisUpdate, nextUpdate, entries });
  const generation = newGeneration(context.randomBytes);
  const chunks = await writeCrlChunks(context.store, caId, generation, der);
  const state: CrlState = {
    number: number.toString(),
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate.toISOString(),
    entries: entries.length,
    bytes: der.length,
    generation,
    chunks,
    builtRevision: revision,
  };
  return { state, der };
}

async function releaseLease(store: Store, key: string, holder: string): Promise<void> {
  try {
    const entry = await store.get<CrlState>(key);
    if (entry?.value.lease?.holder !== holder) return;
    await store.compareAndSet(key, entry.version, { ...entry.value, lease: undefined });
  } catch {
    // The lease runs out by itself.
  }
}

// The last CRL each CA served from this isolate: a fetch of an unchanged CRL
// reads one small state entry, not megabytes of chunks.
const recent = new Map<string, { generation: string; der: Uint8Array }>();

function remember(caId: string, generation: string, der: Uint8Array): void {
  recent.set(caId, { generation, der });
}

async function load(store: Store, caId: string, state: CrlState, stale: boolean): Promise<PublishedCrl | undefined> {
  const cached = recent.get(caId);
  if (cached?.generation === state.generation) return published(caId, state, cached.der, stale);
  const der = await readCrlChunks(store, caId, state);
  if (!der) return undefined;
  remember(caId, state.generation, der);
  return published(caId, state, der, stale);
}

function published(caId: string, state: CrlState, der: Uint8Array, stale: boolean): PublishedCrl {
  return {
    caId,
    der,
    number: BigInt(state.number),
    thisUpdate: new Date(state.thisUpdate),
    nextUpdate: new Date(state.nextUpdate),
    entries: state.entries,
    stale,
  };
}

function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
