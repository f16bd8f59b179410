import { fromBase64, toBase64 } from "../../asn1/bytes.js";
import { hashByName } from "../../crypto/algorithms.js";
import { constantTimeEqual } from "../../crypto/constant_time.js";
import { computeMac, importHmacKey } from "../../crypto/hmac.js";
import type { OperatorCredential, OperatorDirectory } from "../operators.js";

/**
 * Console sessions (docs/console.md, "Sessions"): stateless, a cookie
 * `<name>.<expiry>.<nonce>.<mac>` whose MAC is keyed with the operator's
 * token digest, so rotating or removing the token ends every session of it
 * with nothing to revoke in a store. The CSRF token of a form is a second
 * MAC of the same key over the session's nonce: only a page of this session
 * can carry it.
 */

export const SESSION_COOKIE = "jellyfish_console";
export const SESSION_SECONDS = 8 * 3600;

export interface Session {
  operator: OperatorCredential;
  nonce: string;
  expiresAt: number;
}

const SHA256 = hashByName("SHA-256");
const encoder = new TextEncoder();

async function mac(key: Uint8Array, text: string): Promise<string> {
  return base64url(await computeMac(await importHmacKey(key, SHA256), encoder.encode(text)));
}

export function base64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text: string): Uint8Array {
  return fromBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
}

export async function issueSession(operator: OperatorCredential, now: number, random: (length: number) => Uint8Array): Promise<{ cookieValue: string; session: Session }> {
  const nonce = base64url(random(18));
  const expiresAt = Math.floor(now / 1000) + SESSION_SECONDS;
  const name = base64url(encoder.encode(operator.name));
  const signed = `${name}.${expiresAt}.${nonce}`;
  return { cookieValue: `${signed}.${await mac(operator.tokenDigest, `session|${signed}`)}`, session: { operator, nonce, expiresAt } };
}

/** The session a cookie value proves, or undefined: bad MAC, expired, or an operator no longer configured. */
export async function readSession(value: string | undefined, operators: OperatorDirectory, now: number): Promise<Session | undefined> {
  const match = /^([A-Za-z0-9_-]{1,100})\.(\d{1,12})\.([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match) return undefined;
  const [, name, expiry, nonce, presented] = match as unknown as [string, string, string, string, string];
  const expiresAt = Number(expiry);
  if (expiresAt * 1000 <= now) return undefined;
  let operatorName: string;
  try {
    operatorName = new TextDecoder("utf-8", { fatal: true }).decode(fromBase64url(name));
  } catch {
    return undefined;
  }
  const operator = operators.byName(operatorName);
  if (!operator) return undefined;
  const expected = await mac(operator.tokenDigest, `session|${name}.${expiry}.${nonce}`);
  if (!constantTimeEqual(encoder.encode(expected), encoder.encode(presented))) return undefined;
  return { operator, nonce, expiresAt };
}

export function csrfToken(session: Session): Promise<string> {
  return mac(session.operator.tokenDigest, `csrf|${session.nonce}`);
}

export async function validCsrfToken(session: Session, presented: unknown): Promise<boolean> {
  if (typeof presented !== "string") return false;
  return constantTimeEqual(encoder.encode(await csrfToken(session)), encoder.encode(presented));
}

/** A MAC with the session's key, for the one-shot flash message (it cannot be planted from elsewhere). */
export function sessionMac(session: Session, text: string): Promise<string> {
  return mac(session.operator.tokenDigest, `flash|${session.nonce}|${text}`);
}
