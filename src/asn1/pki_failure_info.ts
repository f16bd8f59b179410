/**
 * PKIFailureInfo (RFC 9810 §5.2.3) and the one error type that carries it.
 *
 *   PKIFailureInfo ::= BIT STRING {
 *      badAlg (0), badMessageCheck (1), badRequest (2), badTime (3),
 *      badCertId (4), badDataFormat (5), wrongAuthority (6), incorrectData (7),
 *      missingTimeStamp (8), badPOP (9), certRevoked (10), certConfirmed (11),
 *      wrongIntegrity (12), badRecipientNonce (13), timeNotAvailable (14),
 *      unacceptedPolicy (15), unacceptedExtension (16), addInfoNotAvailable (17),
 *      badSenderNonce (18), badCertTemplate (19), signerNotTrusted (20),
 *      transactionIdInUse (21), unsupportedVersion (22), notAuthorized (23),
 *      systemUnavail (24), systemFailure (25), duplicateCertReq (26) }
 */
export const PKIFailureInfo = {
  badAlg: 0,
  badMessageCheck: 1,
  badRequest: 2,
  badTime: 3,
  badCertId: 4,
  badDataFormat: 5,
  wrongAuthority: 6,
  incorrectData: 7,
  missingTimeStamp: 8,
  badPOP: 9,
  certRevoked: 10,
  certConfirmed: 11,
  wrongIntegrity: 12,
  badRecipientNonce: 13,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  badSenderNonce: 18,
  badCertTemplate: 19,
  signerNotTrusted: 20,
  transactionIdInUse: 21,
  unsupportedVersion: 22,
  notAuthorized: 23,
  systemUnavail: 24,
  systemFailure: 25,
  duplicateCertReq: 26,
} as const;

export type FailInfoName = keyof typeof PKIFailureInfo;

/**
 * Whatever goes wrong while handling a CMP message is raised as a CmpError:
 * the engine turns it into an `error` PKIMessage with these failInfo bits and
 * the text as statusString (DESIGN.md, "Errors are CMP messages"). The text
 * goes to the client, so it must never contain a secret.
 */
export class CmpError extends Error {
  readonly failInfo: readonly FailInfoName[];
  constructor(failInfo: FailInfoName | readonly FailInfoName[], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CmpError";
    this.failInfo = typeof failInfo === "string" ? [failInfo] : failInfo;
  }
}
