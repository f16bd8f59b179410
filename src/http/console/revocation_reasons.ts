/** CRLReason names (RFC 5280 §5.3.1) for the revoke form and for showing a revocation. */
export const CRL_REASONS: ReadonlyArray<[number, string]> = [
  [0, "unspecified"],
  [1, "keyCompromise"],
  [2, "cACompromise"],
  [3, "affiliationChanged"],
  [4, "superseded"],
  [5, "cessationOfOperation"],
  [6, "certificateHold (suspend)"],
  [9, "privilegeWithdrawn"],
  [10, "aACompromise"],
];

export function reasonName(reason: number | undefined): string {
  if (reason === undefined) return "—";
  return CRL_REASONS.find(([n]) => n === reason)?.[1].replace(" (suspend)", "") ?? String(reason);
}
