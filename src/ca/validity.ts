import { Validity } from "@peculiar/asn1-x509";
import { serializeDer } from "../asn1/serialize_der.js";

export interface ValidityPeriod {
  notBefore: Date;
  notAfter: Date;
}

/**
 * The validity of a certificate issued at `now`: back-dated by
 * `backdateSeconds` against client clock skew, `validitySeconds` long, but
 * never past the issuing CA's notAfter. A certificate outliving its issuer
 * would fail path validation at the end anyway (RFC 5280 §6.1.3 (a)(2)
 * checks every certificate in the path), and a client should see the real
 * end date in the certificate itself, so the period is clamped.
 * Times are whole seconds: X.509 Time carries no fractions (RFC 5280 §4.1.2.5.1, §4.1.2.5.2).
 */
export function validityPeriod(
  now: Date,
  validitySeconds: number,
  backdateSeconds: number,
  issuerNotAfter?: Date,
): ValidityPeriod {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const notBefore = new Date((nowSeconds - backdateSeconds) * 1000);
  let notAfter = new Date((nowSeconds + validitySeconds) * 1000);
  if (issuerNotAfter && notAfter.getTime() > issuerNotAfter.getTime()) {
    notAfter = new Date(Math.floor(issuerNotAfter.getTime() / 1000) * 1000);
  }
  return { notBefore, notAfter };
}

/**
 * DER Validity. @peculiar/asn1-x509's Time picks UTCTime through 2049 and
 * GeneralizedTime from 2050, as RFC 5280 §4.1.2.5 requires.
 */
export function encodeValidity(period: ValidityPeriod): Uint8Array {
  return serializeDer(new Validity(period));
}
