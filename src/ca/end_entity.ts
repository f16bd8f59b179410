import type { Sealed } from "../crypto/sealed_secret.js";

/**
 * An end entity registered for client-mode enrollment (EJBCA's "end
 * entity"): who may enroll, with which subject and names, through which
 * profiles. Like EJBCA, which ties an end entity to a CA and a certificate
 * profile rather than to a CMP alias, one registration serves every
 * client-mode profile listed (e.g. a MAC path and a certificate path). Its
 * enrollment code is sealed (crypto/sealed_secret.ts) and used once, on
 * whichever of them: the enrollment that succeeds removes it.
 */
export interface EndEntity {
  username: string;
  /** RFC 4514, as normalised by formatDistinguishedName. */
  subject: string;
  /** OpenSSL notation: "DNS:…", "IP:…", "email:…", "URI:…" (general_name_text.ts). */
  subjectAltNames: string[];
  /** The client-mode profiles it may enroll through: at least one, no repeats. */
  profiles: string[];
  status: EndEntityStatus;
  /** Present while an enrollment with a code is possible. */
  enrollmentCode?: Sealed;
  /**
   * The code the last enrollment used, kept sealed so that a late or repeated
   * request with it still authenticates and gets a protected, readable
   * "already used" answer rather than an anonymous one. It opens nothing.
   */
  usedEnrollmentCode?: Sealed;
  /** Serials (hex) issued to the entity, newest last. */
  certificates: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * An entity as the store holds it, whatever version wrote it: records
 * written before entities had several profiles name one `profile`.
 */
export type StoredEndEntity = Omit<EndEntity, "profiles"> & { profiles?: string[]; profile?: string };

/** The stored record in today's shape; it is written back in that shape at its next change. */
export function fromStoredEndEntity(stored: StoredEndEntity): EndEntity {
  if (stored.profiles !== undefined) return stored as EndEntity;
  const { profile, ...rest } = stored;
  return { ...rest, profiles: profile !== undefined ? [profile] : [] };
}

/** Whether the entity may enroll through the profile named `profile`. */
export function allowsProfile(entity: EndEntity, profile: string): boolean {
  return entity.profiles.includes(profile);
}

/** new: may enroll once; issued: enrolled, may renew with kur; revoked: its current certificate was revoked. */
export type EndEntityStatus = "new" | "issued" | "revoked";

export function endEntityKey(username: string): string {
  return `entity/${username}`;
}

/** Usernames are store keys and URL segments: printable, no slash, bounded. */
export function isValidUsername(username: string): boolean {
  return /^[A-Za-z0-9._@+=,-]{1,128}$/.test(username) && username !== "." && username !== "..";
}

/** The enrollment code as the secret of the MAC: its UTF-8 bytes (what openssl cmp -secret pass:… uses). */
export function enrollmentCodeSecret(code: string): Uint8Array {
  return new TextEncoder().encode(code);
}

/** A fresh enrollment code: 20 characters of an unambiguous alphabet, about 99 bits. */
export function newEnrollmentCode(random: (length: number) => Uint8Array): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let code = "";
  while (code.length < 20) {
    for (const byte of random(32)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < alphabet.length * Math.floor(256 / alphabet.length) && code.length < 20) code += alphabet[byte % alphabet.length];
    }
  }
  return code;
}
