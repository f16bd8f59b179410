import type { JellyfishConfig } from "../config/profile.js";
import type { SecretSealer } from "../crypto/sealed_secret.js";
import { InvalidCursorError, type Store } from "../store/store.js";
import type { CertificateRecord, CertificateStatus } from "./certificate_record.js";
import { decodeListCursor, encodeListCursor } from "./list_cursor.js";
import { DistinguishedNameError, formatDistinguishedName, parseDistinguishedName } from "./distinguished_name.js";
import {
  allowsProfile,
  endEntityKey,
  enrollmentCodeSecret,
  fromStoredEndEntity,
  isValidUsername,
  newEnrollmentCode,
  type EndEntity,
  type EndEntityStatus,
  type StoredEndEntity,
} from "./end_entity.js";
import { createEndEntity, getEndEntity, updateEndEntity } from "./end_entity_store.js";
import { formatGeneralName, parseGeneralName } from "./general_name_text.js";

/**
 * The operator's side of client mode: register end entities, give them
 * one-time enrollment codes, find what was issued. Callers (the admin API)
 * turn RegistryError into HTTP statuses.
 */
export interface RegistryContext {
  config: JellyfishConfig;
  store: Store;
  sealer?: SecretSealer;
  now(): Date;
  randomBytes(length: number): Uint8Array;
}

export class RegistryError extends Error {
  constructor(
    readonly kind: "invalid" | "notFound" | "conflict" | "unavailable" | "forbidden",
    message: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export interface NewEndEntity {
  username: unknown;
  subject: unknown;
  subjectAltNames?: unknown;
  /** The client-mode profiles it enrolls through (or `profile`, one, as before entities had several). */
  profiles?: unknown;
  profile?: unknown;
  enrollmentCode?: unknown;
}

/** Register an end entity; the code (given or generated) is returned once and stored sealed. */
export async function registerEndEntity(context: RegistryContext, input: NewEndEntity): Promise<{ entity: EndEntity; enrollmentCode: string }> {
  const username = text(input.username, "username");
  if (!isValidUsername(username)) throw new RegistryError("invalid", "username: 1..128 of letters, digits and ._@+=,-");
  const profiles = clientProfiles(context, input);
  const subject = normalisedSubject(text(input.subject, "subject"));
  const subjectAltNames = normalisedNames(input.subjectAltNames ?? []);
  const code = await chooseCode(context, input.enrollmentCode);
  const now = context.now().toISOString();
  const entity: EndEntity = {
    username,
    subject,
    subjectAltNames,
    profiles,
    status: "new",
    enrollmentCode: await seal(context, code, username),
    certificates: [],
    createdAt: now,
    updatedAt: now,
  };
  if (!(await createEndEntity(context.store, entity))) throw new RegistryError("conflict", `end entity "${username}" exists`);
  return { entity, enrollmentCode: code };
}

/** A new code and status new: the entity may enroll once more (EJBCA: set status NEW, set clear password). */
export async function resetEndEntity(context: RegistryContext, username: string, requestedCode?: unknown): Promise<{ entity: EndEntity; enrollmentCode: string }> {
  const code = await chooseCode(context, requestedCode);
  const sealed = await seal(context, code, username);
  const entity = await updateEndEntity(context.store, username, (current) => ({
    ...current,
    status: "new",
    enrollmentCode: sealed,
    usedEnrollmentCode: undefined,
    updatedAt: context.now().toISOString(),
  }));
  if (!entity) throw new RegistryError("notFound", `no end entity "${username}"`);
  return { entity, enrollmentCode: code };
}

/**
 * Change the profiles an entity may enroll through; its status, code and
 * certificates stay. Certificates it already holds keep the profile they
 * were issued through (their records say which).
 */
export async function setEndEntityProfiles(context: RegistryContext, username: string, input: { profiles?: unknown; profile?: unknown }): Promise<EndEntity> {
  const profiles = clientProfiles(context, input);
  const entity = await updateEndEntity(context.store, username, (current) => ({ ...current, profiles, updatedAt: context.now().toISOString() }));
  if (!entity) throw new RegistryError("notFound", `no end entity "${username}"`);
  return entity;
}

export async function getRegisteredEndEntity(context: RegistryContext, username: string): Promise<EndEntity> {
  const entity = (await getEndEntity(context.store, username))?.value;
  if (!entity) throw new RegistryError("notFound", `no end entity "${username}"`);
  return entity;
}

export async function deleteEndEntity(context: RegistryContext, username: string): Promise<void> {
  await getRegisteredEndEntity(context, username);
  await context.store.delete(endEntityKey(username));
}

export async function listEndEntities(context: RegistryContext, filter: { profile?: string; status?: string }): Promise<EndEntity[]> {
  const entities: EndEntity[] = [];
  for await (const stored of everything<StoredEndEntity>(context.store, "entity/")) {
    const entity = fromStoredEndEntity(stored);
    if (filter.profile && !allowsProfile(entity, filter.profile)) continue;
    if (filter.status && entity.status !== (filter.status as EndEntityStatus)) continue;
    entities.push(entity);
  }
  return entities;
}

export interface CertificateFilter {
  status?: string;
  profile?: string;
  entity?: string;
  subject?: string;
  /** CRLReason of revoked (or held: 6) certificates; the rest never match. */
  reason?: number;
  /** Epoch milliseconds: only certificates revoked (or put on hold) at or after it. */
  revokedSince?: number;
  limit: number;
  cursor?: string;
}

/**
 * Certificates matching the filter, a page at a time. The store lists by key
 * only, so filtering reads records in key order until the page is full; the
 * cursor says where to resume (src/ca/list_cursor.ts). A cursor this API did
 * not hand out is the caller's error ("invalid"), never a store failure.
 */
export async function listCertificates(context: RegistryContext, filter: CertificateFilter): Promise<{ certificates: CertificateRecord[]; cursor?: string }> {
  const certificates: CertificateRecord[] = [];
  const subject = filter.subject?.toLowerCase();
  const start = filter.cursor === undefined ? {} : decodeListCursor(filter.cursor, "cert/");
  if (!start) throw new RegistryError("invalid", "cursor: not one this API returned");
  const { after } = start;
  let cursor = start.store;
  do {
    const page = await listOrInvalid<CertificateRecord>(context.store, "cert/", cursor);
    for (const { key, value } of page.items) {
      if (after !== undefined && key <= after) continue;
      if (filter.status && value.status !== (filter.status as CertificateStatus)) continue;
      if (filter.profile && value.profile !== filter.profile) continue;
      if (filter.entity && value.entity !== filter.entity) continue;
      if (subject && !value.subject.toLowerCase().includes(subject)) continue;
      if (filter.reason !== undefined && (value.status !== "revoked" || value.revocationReason !== filter.reason)) continue;
      if (filter.revokedSince !== undefined && !(value.revokedAt && Date.parse(value.revokedAt) >= filter.revokedSince)) continue;
      certificates.push(value);
      if (certificates.length === filter.limit) {
        const more = page.cursor !== undefined || page.items.at(-1)!.key !== key;
        return more ? { certificates, cursor: encodeListCursor({ store: cursor, after: key }) } : { certificates };
      }
    }
    if (!page.cursor) return { certificates };
    cursor = page.cursor;
  } while (true);
}

/** A store cursor from a client's list cursor that the store refuses is the client's error. */
async function listOrInvalid<T>(store: Store, prefix: string, cursor: string | undefined) {
  try {
    return await store.list<T>(prefix, { cursor, limit: 500 });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new RegistryError("invalid", "cursor: not one this API returned");
    throw error;
  }
}

async function* everything<T>(store: Store, prefix: string): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await store.list<T>(prefix, { cursor, limit: 1000 });
    for (const item of page.items) yield item.value;
    cursor = page.cursor;
  } while (cursor);
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new RegistryError("invalid", `${field}: must be a non-empty string`);
  return value.trim();
}

/**
 * `profiles` (a non-empty array of names) or, as before entities had
 * several, `profile` (one name): each a client-mode profile; repeats dropped.
 */
function clientProfiles(context: RegistryContext, input: { profiles?: unknown; profile?: unknown }): string[] {
  if (input.profiles !== undefined && input.profile !== undefined) throw new RegistryError("invalid", "profiles: give profiles or profile, not both");
  let names: string[];
  if (input.profiles !== undefined) {
    if (!Array.isArray(input.profiles) || input.profiles.length === 0) throw new RegistryError("invalid", "profiles: must be a non-empty array of profile names");
    names = input.profiles.map((name) => text(name, "profiles"));
  } else if (input.profile !== undefined) {
    names = [text(input.profile, "profile")];
  } else {
    throw new RegistryError("invalid", "profiles: the client-mode profiles it enrolls through are missing");
  }
  const field = input.profiles !== undefined ? "profiles" : "profile";
  for (const name of names) {
    const profile = context.config.profiles.get(name);
    if (!profile) throw new RegistryError("invalid", `${field}: no profile "${name}"`);
    if (profile.mode !== "client") throw new RegistryError("invalid", `${field}: "${name}" is not in client mode; it enrolls without registrations`);
  }
  return [...new Set(names)];
}

function normalisedSubject(dn: string): string {
  try {
    const name = parseDistinguishedName(dn);
    if (name.length === 0) throw new RegistryError("invalid", "subject: must not be empty");
    return formatDistinguishedName(name);
  } catch (error) {
    if (error instanceof DistinguishedNameError) throw new RegistryError("invalid", `subject: ${error.message}`);
    throw error;
  }
}

function normalisedNames(value: unknown): string[] {
  if (!Array.isArray(value)) throw new RegistryError("invalid", "subjectAltNames: must be an array of strings");
  return value.map((item) => {
    if (typeof item !== "string") throw new RegistryError("invalid", "subjectAltNames: must be an array of strings");
    try {
      return formatGeneralName(parseGeneralName(item))!;
    } catch (error) {
      throw new RegistryError("invalid", `subjectAltNames: ${(error as Error).message}`);
    }
  });
}

async function chooseCode(context: RegistryContext, requested: unknown): Promise<string> {
  if (requested === undefined) return newEnrollmentCode(context.randomBytes);
  // EJBCA's examples use short passwords ("CMP-pwd"); generated codes are 20 characters.
  if (typeof requested !== "string" || requested.length < 6 || requested.length > 128 || /\s/.test(requested)) {
    throw new RegistryError("invalid", "enrollmentCode: 6..128 characters without spaces");
  }
  return requested;
}

async function seal(context: RegistryContext, code: string, username: string) {
  if (!context.sealer) throw new RegistryError("unavailable", "enrollment codes need the ENROLLMENT_CODE_KEY secret");
  return context.sealer.seal(enrollmentCodeSecret(code), username);
}
