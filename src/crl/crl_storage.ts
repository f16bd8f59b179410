import { fromBase64, toBase64, toHex } from "../asn1/bytes.js";
import type { Store } from "../store/store.js";

/**
 * Where a CA's current CRL lives in the store: a small state entry that the
 * CRL number's compare-and-set goes through, and the DER in chunks, because
 * a CRL of 100 000 entries (about 4 MB) is larger than one value may be
 * (DynamoDB: 400 KB an item; Durable Object SQLite: 2 MB a value).
 */
export interface CrlState {
  /** cRLNumber of the current CRL, decimal (RFC 5280 §5.2.3: up to 20 octets, beyond a JS number). */
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  /** How many certificates it lists. */
  entries: number;
  bytes: number;
  /** Names the chunks of this CRL; a new CRL gets a new generation, so readers never mix two. */
  generation: string;
  chunks: number;
  /** The index revision (revocation_index.ts) the CRL was built from. */
  builtRevision: number;
  /** Set while one instance builds the next CRL, so others serve this one instead of building too. */
  lease?: { until: string; holder: string };
}

/** 192 KiB of DER is 256 KiB of base64: well under every backend's value limit. */
const CHUNK_BYTES = 192 * 1024;

export function crlStateKey(caId: string): string {
  return `crl/state/${caId}`;
}

function chunkKey(caId: string, generation: string, index: number): string {
  return `crl/chunk/${caId}/${generation}/${String(index).padStart(6, "0")}`;
}

export function newGeneration(randomBytes: (length: number) => Uint8Array): string {
  return toHex(randomBytes(8));
}

/** Writes the DER as chunks of one generation; returns how many. */
export async function writeCrlChunks(store: Store, caId: string, generation: string, der: Uint8Array): Promise<number> {
  const count = Math.max(1, Math.ceil(der.length / CHUNK_BYTES));
  const writes: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const piece = der.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
    writes.push(store.put(chunkKey(caId, generation, index), { der: toBase64(piece) }));
  }
  await Promise.all(writes);
  return count;
}

/** The DER of a generation, or undefined when a chunk is missing (a generation replaced while it was read). */
export async function readCrlChunks(store: Store, caId: string, state: Pick<CrlState, "generation" | "chunks" | "bytes">): Promise<Uint8Array | undefined> {
  const pieces = await Promise.all(
    Array.from({ length: state.chunks }, (_, index) => store.get<{ der: string }>(chunkKey(caId, state.generation, index))),
  );
  if (pieces.some((piece) => piece === undefined)) return undefined;
  const der = new Uint8Array(state.bytes);
  let offset = 0;
  for (const piece of pieces) {
    const bytes = fromBase64(piece!.value.der);
    if (offset + bytes.length > der.length) return undefined;
    der.set(bytes, offset);
    offset += bytes.length;
  }
  return offset === der.length ? der : undefined;
}

/**
 * Delete the chunks of one generation: the one a new CRL replaced, or a
 * build that lost its compare-and-set. Never "all but mine": another
 * instance may be writing the next generation at that moment.
 */
export async function deleteCrlChunks(store: Store, caId: string, generation: string, chunks: number): Promise<void> {
  await Promise.all(Array.from({ length: chunks }, (_, index) => store.delete(chunkKey(caId, generation, index))));
}
