import type { Store, Versioned } from "../store/store.js";
import { endEntityKey, fromStoredEndEntity, type EndEntity, type StoredEndEntity } from "./end_entity.js";

/**
 * Reading and changing end entities in the store, always by compare-and-set.
 * Records are read in today's shape whichever version wrote them
 * (fromStoredEndEntity).
 */

export async function getEndEntity(store: Store, username: string): Promise<Versioned<EndEntity> | undefined> {
  const entry = await store.get<StoredEndEntity>(endEntityKey(username));
  return entry && { ...entry, value: fromStoredEndEntity(entry.value) };
}

/** Create-if-absent: false when the username is taken. */
export function createEndEntity(store: Store, entity: EndEntity): Promise<boolean> {
  return store.create(endEntityKey(entity.username), entity);
}

/**
 * Apply `change` to the entity until a compare-and-set succeeds (bounded);
 * `change` returns undefined to leave the entity as it is.
 */
export async function updateEndEntity(
  store: Store,
  username: string,
  change: (entity: EndEntity) => EndEntity | undefined,
): Promise<EndEntity | undefined> {
  const key = endEntityKey(username);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await getEndEntity(store, username);
    if (!entry) return undefined;
    const updated = change(entry.value);
    if (!updated) return entry.value;
    if (await store.compareAndSet(key, entry.version, updated)) return updated;
  }
  throw new Error(`end entity ${username} changed under five updates in a row`);
}

/** The entity's status follows its current (newest) certificate: revoking it revokes the entity. */
export function markEndEntityRevoked(store: Store, username: string, serial: string, now: Date): Promise<EndEntity | undefined> {
  return updateEndEntity(store, username, (entity) =>
    entity.certificates.at(-1) === serial && entity.status !== "revoked"
      ? { ...entity, status: "revoked", updatedAt: now.toISOString() }
      : undefined,
  );
}
