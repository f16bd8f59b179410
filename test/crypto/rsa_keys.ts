/**
 * Hand-made RSA public keys and certificates for the key-bound tests.
 * WebCrypto and OpenSSL will not generate a key with a 3 070-bit exponent
 * or a 9 000-bit modulus quickly (or at all), but a verifier only ever sees
 * the SubjectPublicKeyInfo, and these keys never sign: the bytes are
 * enough. Deterministic values, no randomness.
 */
import { RSAPublicKey } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate, Extensions, SubjectPublicKeyInfo, TBSCertificate, id_ce_authorityKeyIdentifier } from "@peculiar/asn1-x509";
import { OID } from "../../src/crypto/algorithms.js";

/** A positive INTEGER's contents for an unsigned big-endian value (a leading 0x00 when the top bit is set). */
function integerContents(value: bigint): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16)).buffer;
}

/** An odd number of exactly `bits` bits with a fixed pattern: the shape of a modulus, without its primes. */
export function oddOfBits(bits: number): bigint {
  let value = 1n << BigInt(bits - 1);
  for (let bit = 1; bit < bits - 1; bit += 3) value |= 1n << BigInt(bit);
  return value | 1n;
}

/** DER SubjectPublicKeyInfo of an RSA public key (rsaEncryption, or id-RSASSA-PSS without parameters). */
export function rsaSpki(modulus: bigint, exponent: bigint, options: { pss?: boolean } = {}): Uint8Array {
  const key = new RSAPublicKey({ modulus: integerContents(modulus), publicExponent: integerContents(exponent) });
  const spki = new SubjectPublicKeyInfo({
    algorithm: options.pss
      ? new AlgorithmIdentifier({ algorithm: OID.rsassaPss })
      : new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }),
    subjectPublicKey: AsnConvert.serialize(key),
  });
  return new Uint8Array(AsnConvert.serialize(spki));
}

/**
 * `der` with its public key replaced by `spki`, its serial number made
 * distinct by `serial`, and optionally its issuer taken from another
 * certificate's subject and its authorityKeyIdentifier dropped. The
 * signature is left as it was, so it no longer verifies: what an attacker
 * who copies a CA's name and key identifier can send.
 */
export function withKey(
  der: Uint8Array,
  spki: Uint8Array,
  options: { serial: number; issuerFrom?: Uint8Array; selfIssued?: boolean; dropAki?: boolean },
): Uint8Array {
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const fields: Partial<TBSCertificate> = {
    version: tbs.version,
    serialNumber: integerContents(0x7e57n * 65536n + BigInt(options.serial)),
    signature: tbs.signature,
    issuer: options.selfIssued
      ? tbs.subject
      : options.issuerFrom
        ? AsnConvert.parse(options.issuerFrom, Certificate).tbsCertificate.subject
        : tbs.issuer,
    validity: tbs.validity,
    subject: tbs.subject,
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: tbs.extensions && new Extensions(tbs.extensions.filter((ext) => !(options.dropAki && ext.extnID === id_ce_authorityKeyIdentifier))),
  };
  const copy = new Certificate({
    tbsCertificate: new TBSCertificate(fields),
    signatureAlgorithm: cert.signatureAlgorithm,
    signatureValue: cert.signatureValue,
  });
  return new Uint8Array(AsnConvert.serialize(copy));
}
