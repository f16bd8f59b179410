import { readChildren, readElement } from "../../src/asn1/der.js";

/** Raw DER of a TBSCertificate field of a certificate (0-based, counting the version). */
export function tbsField(der: Uint8Array, index: number): Uint8Array {
  const tbs = readChildren(der, readElement(der, 0))[0]!;
  const field = readChildren(der, tbs)[index]!;
  return der.slice(field.start, field.end);
}

/** Indexes of TBSCertificate fields for tbsField. */
export const TBS = { ISSUER: 3, SUBJECT: 5, SPKI: 6 } as const;
