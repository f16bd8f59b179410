/**
 * CRLReason names (RFC 5280 §5.3.1) by value, for people: the CLI's
 * `--reason` and tables, and the console's revoke form and pages. Standalone,
 * so the CLI bundle takes it without the store code beside it.
 */

/** Index = CRLReason value; 7 is unused in RFC 5280. */
export const CRL_REASON_NAMES: readonly (string | undefined)[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  undefined,
  "removeFromCRL",
  "privilegeWithdrawn",
  "aACompromise",
];

/** "keyCompromise", or the bare number for a value RFC 5280 does not name. */
export function crlReasonName(code: number): string {
  return CRL_REASON_NAMES[code] ?? String(code);
}
