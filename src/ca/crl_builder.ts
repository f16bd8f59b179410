import { AsnConvert } from "@peculiar/asn1-schema";
import { Time } from "@peculiar/asn1-x509";
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
  const elements = [V2, issuer.signatureAlgorithm, issuer.name, encodeTime(request.thisUpdate), encodeTime(request.nextUpdate)];
  if (request.entries.length > 0) elements.push(encodeSequence(request.entries.map(encodeEntry)));
  elements.push(encodeExplicit(0, encodeSequence([issuer.authorityKeyIdentifier, cRLNumberExtension(request.number)])));
  const tbsCertList = encodeSequence(elements);
  return signCertificate(request.ca.signer, issuer.signatureAlgorithm, tbsCertList);
}

function encodeEntry(entry: RevokedEntry): Uint8Array {
  const serial = serialNumberFromUnsigned(fromHex(entry.serial));
  if (!serial) throw new RangeError(`serial ${entry.serial} is not a positive number`);
  const parts = [encodeIntegerContents(serial.bytes), encodeTime(entry.revokedAt)];
  if (entry.reason !== 0) {
    // reasonCode ::= ENUMERATED, non-critical (RFC 5280 §5.3.1).
    parts.push(encodeSequence([encodeSequence([id_ce_cRLReasons, encodeTlv(0x04, [encodeTlv(0x0a, [Uint8Array.of(entry.reason)])])])]));
  }
  return encodeSequence(parts);
}

/** cRLNumber ::= INTEGER (0..MAX), non-critical (RFC 5280 §5.2.3). */
function cRLNumberExtension(number: bigint): Uint8Array {
  if (number < 0n || number >= 1n << 159n) throw new RangeError(`cRLNumber ${number} is outside 0..2^159`);
  let hex = number.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // Zero is a number here; as unsigned bytes it has the one octet 00.
  const contents = number === 0n ? Uint8Array.of(0) : serialNumberFromUnsigned(fromHex(hex))!.bytes;
  return encodeSequence([id_ce_cRLNumber, encodeTlv(0x04, [encodeIntegerContents(contents)])]);
}

/** Time in whole seconds: UTCTime through 2049, GeneralizedTime after (RFC 5280 §5.1.2.4). */
function encodeTime(date: Date): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new Time(new Date(Math.floor(date.getTime() / 1000) * 1000))));
}
