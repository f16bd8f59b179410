import { encodeExplicit, encodeIntegerContents, encodeSequence, encodeTlv } from "../asn1/der.js";
import { fromHex } from "../asn1/bytes.js";
import type { CertificateAuthority } from "./authority.js";
import { prepareIssuer } from "./issuer.js";
import { serialNumberFromUnsigned } from "./serial_number.js";
import { signCertificate } from "./signed_certificate.js";

/** One revoked certificate as a CRL lists it (RFC 5280 §5.1.2.6, §5.3.1). */
export interface RevokedEntry {
  /** Lower-case hex of the serial number, as records are keyed (serialNumberHex). */
  serial: string;
  revokedAt: Date;
  /** CRLReason code (RFC 5280 §5.3.1); 0 (unspecified) is not written, as §5.3.1 asks. */
  reason: number;
}

export interface CrlRequest {
  ca: CertificateAuthority;
  /** cRLNumber (RFC 5280 §5.2.3): grows with every CRL the CA issues. */
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly RevokedEntry[];
}

const id_ce_cRLNumber = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x14);
const id_ce_cRLReasons = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x15);
const V2 = Uint8Array.of(0x02, 0x01, 0x01);

/**
 * A full CRL of the CA (RFC 5280 §5), signed through the CA's Signer (so by
 * the KMS in production):
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE {
 *     version v2, signature, issuer, thisUpdate, nextUpdate,
 *     revokedCertificates SEQUENCE OF SEQUENCE {
 *       userCertificate, revocationDate, crlEntryExtensions OPTIONAL } OPTIONAL,
 *     crlExtensions [0] EXPLICIT Extensions }
 *
 * crlExtensions carry authorityKeyIdentifier and cRLNumber, which §5.2.1 and
 * §5.2.3 require of conforming CAs. The entries are encoded from DER
 * pieces: a CRL may list a hundred thousand certificates, and building it
 * must stay linear and cheap.
 */
export async function createCrl(request: CrlRequest): Promise<Uint8Array> {
  const issuer = await prepareIssuer(request.ca);
  const elements = [V2, issuer.signatureAlgorithm, issuer.name, encodeTimeBytes(request.thisUpdate), encodeTimeBytes(request.nextUpdate)];
  if (request.entries.length > 0) elements.push(encodeTlv(0x30, [encodeRevokedCertificates(request.entries)]));
  elements.push(encodeExplicit(0, encodeSequence([issuer.authorityKeyIdentifier, cRLNumberExtension(request.number)])));
  const tbsCertList = encodeSequence(elements);
  return signCertificate(request.ca.signer, issuer.signatureAlgorithm, tbsCertList);
}

/**
 * The contents of revokedCertificates, every entry written byte by byte into
 * one buffer: at a hundred thousand entries, schema classes and an array
 * per entry cost more than the signature (mostly in garbage collection).
 * Every part is short (an INTEGER of at most 21 octets, a time of at most 17,
 * a reasonCode of 14), so an entry's length always fits one octet.
 */
function encodeRevokedCertificates(entries: readonly RevokedEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * MAX_ENTRY_BYTES);
  let at = 0;
  for (const entry of entries) {
    const magnitude = fromHex(entry.serial);
    let start = 0;
    while (start < magnitude.length && magnitude[start] === 0) start++;
    if (start === magnitude.length || magnitude.length - start > 20) throw new RangeError(`serial ${entry.serial} is not a positive number of at most 20 octets`);
    // A 0x00 sign octet when the top bit is set (X.690 §8.3: two's complement).
    const sign = magnitude[start]! & 0x80 ? 1 : 0;
    const serialLength = magnitude.length - start + sign;
    const extension = entry.reason === 0 ? undefined : reasonCodeExtensions(entry.reason);
    const entryStart = at;
    out[at] = 0x30;
    at += 2;
    out[at++] = 0x02;
    out[at++] = serialLength;
    if (sign) out[at++] = 0;
    out.set(magnitude.subarray(start), at);
    at += magnitude.length - start;
    at = writeTime(out, at, entry.revokedAt);
    if (extension) {
      out.set(extension, at);
      at += extension.length;
    }
    out[entryStart + 1] = at - entryStart - 2;
  }
  return out.subarray(0, at);
}

/** SEQUENCE header 2 + INTEGER 2 + 21 + GeneralizedTime 17 + reasonCode 14. */
const MAX_ENTRY_BYTES = 56;

/**
 * crlEntryExtensions with only reasonCode ::= ENUMERATED, non-critical
 * (RFC 5280 §5.3.1): SEQUENCE { SEQUENCE { id-ce-cRLReasons, OCTET STRING { ENUMERATED } } }.
 */
function reasonCodeExtensions(reason: number): Uint8Array {
  const extensions = REASON_CODE_EXTENSIONS[reason];
  if (!extensions) throw new RangeError(`CRLReason ${reason} is outside 0..10`);
  return extensions;
}

const REASON_CODE_EXTENSIONS = Array.from({ length: 11 }, (_, reason) =>
  Uint8Array.of(0x30, 0x0c, 0x30, 0x0a, ...id_ce_cRLReasons, 0x04, 0x03, 0x0a, 0x01, reason),
);

/** cRLNumber ::= INTEGER (0..MAX), non-critical (RFC 5280 §5.2.3). */
function cRLNumberExtension(number: bigint): Uint8Array {
  if (number < 0n || number >= 1n << 159n) throw new RangeError(`cRLNumber ${number} is outside 0..2^159`);
  let hex = number.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // Zero is a number here; as unsigned bytes it has the one octet 00.
  const contents = number === 0n ? Uint8Array.of(0) : serialNumberFromUnsigned(fromHex(hex))!.bytes;
  return encodeSequence([id_ce_cRLNumber, encodeTlv(0x04, [encodeIntegerContents(contents)])]);
}

/** UTCTime YYMMDDHHMMSSZ through 2049, GeneralizedTime YYYYMMDDHHMMSSZ after, in whole seconds (RFC 5280 §5.1.2.4, §5.1.2.6). */
function encodeTimeBytes(date: Date): Uint8Array {
  const out = new Uint8Array(17);
  return out.subarray(0, writeTime(out, 0, date));
}

/** Writes the time's TLV at `at`; returns where it ends. */
function writeTime(out: Uint8Array, at: number, date: Date): number {
  const year = date.getUTCFullYear();
  if (!(year >= 1950 && year <= 9999)) throw new RangeError(`${String(date)} cannot be a CRL time`);
  const utc = year < 2050;
  out[at++] = utc ? 0x17 : 0x18;
  out[at++] = utc ? 13 : 15;
  const digits = (value: number, count: number) => {
    let rest = value;
    for (let place = count - 1; place >= 0; place--) {
      out[at + place] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    at += count;
  };
  if (utc) digits(year % 100, 2);
  else digits(year, 4);
  digits(date.getUTCMonth() + 1, 2);
  digits(date.getUTCDate(), 2);
  digits(date.getUTCHours(), 2);
  digits(date.getUTCMinutes(), 2);
  digits(date.getUTCSeconds(), 2);
  out[at++] = 0x5a; // Z
  return at;
}
