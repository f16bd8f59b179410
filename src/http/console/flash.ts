import { constantTimeEqual } from "../../crypto/constant_time.js";
import { base64url, fromBase64url, sessionMac, type Session } from "./session.js";
import { BASE } from "./env.js";
import { cookieHeader, readCookie } from "./cookies.js";

/**
 * The one-shot message of Post/Redirect/Get: set with the redirect, shown by
 * the next page, cleared by it. MACed with the session's key, so a cookie
 * planted by someone else shows nothing.
 */

export interface Flash {
  kind: "ok" | "error";
  text: string;
}

export const FLASH_COOKIE = "jellyfish_flash";
const encoder = new TextEncoder();

export async function flashCookie(session: Session, flash: Flash, secure: boolean): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(flash)));
  return cookieHeader(FLASH_COOKIE, `${body}.${await sessionMac(session, body)}`, { path: BASE, secure, maxAgeSeconds: 60 });
}

export function clearFlashCookie(secure: boolean): string {
  return cookieHeader(FLASH_COOKIE, "", { path: BASE, secure, maxAgeSeconds: 0 });
}

export async function readFlash(cookies: string | undefined, session: Session): Promise<Flash | undefined> {
  const value = readCookie(cookies, FLASH_COOKIE);
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
  if (!match || !constantTimeEqual(encoder.encode(await sessionMac(session, match[1]!)), encoder.encode(match[2]!))) return undefined;
  try {
    const flash = JSON.parse(new TextDecoder().decode(fromBase64url(match[1]!))) as Flash;
    return (flash.kind === "ok" || flash.kind === "error") && typeof flash.text === "string" ? flash : undefined;
  } catch {
    return undefined;
  }
}

export function hasFlashCookie(cookies: string | undefined): boolean {
  return readCookie(cookies, FLASH_COOKIE) !== undefined;
}
