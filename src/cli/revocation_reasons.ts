/**
 * CRLReason (RFC 5280, 5.3.1) by number and by name. The admin API takes the
 * number; operators think in names, so `--reason` takes either.
 */

import { CRL_REASON_NAMES as NAMES, crlReasonName } from "../ca/crl_reason_names.js";

export const CERTIFICATE_HOLD = 6;
export const REMOVE_FROM_CRL = 8;

/**
 * The reasons a certificate can be revoked, or put on hold, with, and so the
 * ones it can be listed by: every name but removeFromCRL, which revokes
 * nothing (it lifts a hold: `jellyfish cert unhold`) and is never kept on a
 * certificate.
 */
export const REVOCATION_REASON_NAMES: readonly string[] = NAMES.filter((name): name is string => name !== undefined && name !== "removeFromCRL");

/**
 * The CRLReason for a number (0..10 except 7) or an RFC 5280 name (any case);
 * undefined if neither. removeFromCRL (8) is parsed too, so that a command
 * can say what to use instead.
 */
export function parseRevocationReason(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const code = Number(text);
    return NAMES[code] !== undefined ? code : undefined;
  }
  const code = NAMES.findIndex((name) => name !== undefined && name.toLowerCase() === text.toLowerCase());
  return code === -1 ? undefined : code;
}

/** "keyCompromise (1)", or the bare number for a value RFC 5280 does not name. */
export function describeRevocationReason(code: number): string {
  const name = NAMES[code];
  return name === undefined ? String(code) : `${name} (${code})`;
}

/** "keyCompromise", or the bare number for a value RFC 5280 does not name. */
export const revocationReasonName = crlReasonName;
