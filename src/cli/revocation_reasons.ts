/**
 * CRLReason (RFC 5280, 5.3.1) by number and by name. The admin API takes the
 * number; operators think in names, so `cert revoke --reason` takes either.
 */

/** Index = CRLReason value; 7 is unused in RFC 5280. */
const NAMES: readonly (string | undefined)[] = [
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

/**
 * The names `--reason` accepts. certificateHold and removeFromCRL are left out
 * on purpose: a hold is not a revocation the CLI offers, and removeFromCRL only
 * has a meaning inside delta CRLs. Their numbers still pass through to the API,
 * which decides.
 */
export const REVOCATION_REASON_NAMES: readonly string[] = NAMES.filter(
  (name): name is string => name !== undefined && name !== "certificateHold" && name !== "removeFromCRL",
);

/** The CRLReason for a number (0..10 except 7) or a name (any case); undefined if neither. */
export function parseRevocationReason(text: string): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const code = Number(text);
    return NAMES[code] !== undefined ? code : undefined;
  }
  const name = REVOCATION_REASON_NAMES.find((n) => n.toLowerCase() === text.toLowerCase());
  return name === undefined ? undefined : NAMES.indexOf(name);
}

/** "keyCompromise (1)", or the bare number for a value RFC 5280 does not name. */
export function describeRevocationReason(code: number): string {
  const name = NAMES[code];
  return name === undefined ? String(code) : `${name} (${code})`;
}
