import { CertID, id_pkix_ocsp_nonce } from "@peculiar/asn1-ocsp";
import { Extensions } from "@peculiar/asn1-x509";
import { readChildren, readElement, type DerElement } from "../asn1/der.js";
import { DecodeError } from "../asn1/decode_error.js";
import { checkDer, DEFAULT_DER_LIMITS, type DerLimits } from "../asn1/der_scan.js";
import { parseChecked } from "../asn1/parse_der.js";

/**
 * An OCSP request as the responder needs it (RFC 6960 §4.1.1):
 *
 *   OCSPRequest ::= SEQUENCE {
 *     tbsRequest                  TBSRequest,
 *     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
 *   TBSRequest ::= SEQUENCE {
 *     version             [0]     EXPLICIT Version DEFAULT v1,
 *     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
 *     requestList                 SEQUENCE OF Request,
 *     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
 *   Request ::= SEQUENCE {
 *     reqCert                     CertID,
 *     singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * The containers are walked here rather than parsed with
 * @peculiar/asn1-ocsp's OCSPRequest: its Request (2.6.1) declares
 * singleRequestExtensions without the [0] tag, so a valid request that
 * carries them would not parse, and the walk also keeps each CertID's
 * octets, which the answer repeats unchanged (§4.2.1). CertID and the
 * Extensions go through their schema classes. optionalSignature is neither
 * parsed nor verified (§4.1.2: the responder MAY ignore it): this responder
 * answers anyone, so a signature would change nothing.
 */
export interface OcspRequest {
  requests: RequestedCertificate[];
  /** The id-pkix-ocsp-nonce extension's extnValue (DER OCTET STRING holding the Nonce), to echo (§4.4.1). */
  nonce?: Uint8Array;
}

export interface RequestedCertificate {
  /** The CertID's DER exactly as received. */
  der: Uint8Array;
  certId: CertID;
}

/** The bounds on what one request may ask; the responder answers at most this many certificates. */
export interface OcspRequestLimits {
  /** RFC 5019 §2.1.1: clients send one Request; a few are allowed, each costs a store read. */
  maxRequests: number;
  der: DerLimits;
}

export const DEFAULT_OCSP_REQUEST_LIMITS: OcspRequestLimits = {
  maxRequests: 10,
  // A request with one CertID and a nonce has about 15 elements; a signed one
  // carries certificates, a few hundred each.
  der: { ...DEFAULT_DER_LIMITS, maxElements: 1024 },
};

/** RFC 8954 §2.1: Nonce ::= OCTET STRING (SIZE(1..32)). */
export const MAX_NONCE_OCTETS = 32;

/**
 * Decode `bytes` as an OCSPRequest, or throw DecodeError: not DER, not the
 * structure above, version other than v1, an empty or too long requestList,
 * a bad nonce (RFC 8954 §2.1), or a critical extension this responder does
 * not understand (RFC 6960 §4.4: only non-critical unknown ones are ignored).
 */
export function parseOcspRequest(bytes: Uint8Array, limits: OcspRequestLimits = DEFAULT_OCSP_REQUEST_LIMITS): OcspRequest {
  checkDer(bytes, limits.der);
  const root = readElement(bytes, 0);
  if (root.tag !== 0x30) throw new DecodeError("OCSPRequest is not a SEQUENCE");
  const [tbs, signature, ...extra] = readChildren(bytes, root);
  if (!tbs || tbs.tag !== 0x30) throw new DecodeError("OCSPRequest has no TBSRequest");
  if ((signature && signature.tag !== 0xa0) || extra.length > 0) throw new DecodeError("OCSPRequest has fields after optionalSignature");

  const fields = readChildren(bytes, tbs);
  let at = 0;
  if (fields[at]?.tag === 0xa0) checkVersion(bytes, fields[at++]!);
  if (fields[at]?.tag === 0xa1) at++; // requestorName: who asks changes nothing here
  const list = fields[at++];
  if (!list || list.tag !== 0x30) throw new DecodeError("TBSRequest has no requestList");
  const requestExtensions = fields[at]?.tag === 0xa2 ? fields[at++] : undefined;
  if (at !== fields.length) throw new DecodeError("TBSRequest has unexpected fields");

  const entries = readChildren(bytes, list);
  if (entries.length === 0) throw new DecodeError("requestList is empty");
  if (entries.length > limits.maxRequests) {
    throw new DecodeError(`requestList has ${entries.length} entries (at most ${limits.maxRequests})`, { kind: "limit" });
  }
  const requests = entries.map((entry) => readRequest(bytes, entry));
  const nonce = requestExtensions ? readRequestExtensions(bytes, requestExtensions) : undefined;
  return nonce ? { requests, nonce } : { requests };
}

function checkVersion(bytes: Uint8Array, element: DerElement): void {
  const [integer, ...rest] = readChildren(bytes, element);
  // DER leaves out a DEFAULT value (X.690 §11.5), but v1 written out is common and harmless.
  if (!integer || rest.length > 0 || integer.tag !== 0x02 || integer.end - integer.contentStart !== 1 || bytes[integer.contentStart] !== 0) {
    throw new DecodeError("TBSRequest version is not v1");
  }
}

function readRequest(bytes: Uint8Array, entry: DerElement): RequestedCertificate {
  if (entry.tag !== 0x30) throw new DecodeError("a Request is not a SEQUENCE");
  const [reqCert, extensions, ...rest] = readChildren(bytes, entry);
  if (!reqCert || reqCert.tag !== 0x30) throw new DecodeError("a Request has no CertID");
  if ((extensions && extensions.tag !== 0xa0) || rest.length > 0) throw new DecodeError("a Request has unexpected fields");
  if (extensions) {
    for (const extension of readExtensions(bytes, extensions)) {
      if (extension.critical) throw new DecodeError(`critical singleRequestExtension ${extension.extnID} is not supported`);
    }
  }
  const der = bytes.subarray(reqCert.start, reqCert.end);
  return { der, certId: parseChecked(der, CertID) };
}

function readRequestExtensions(bytes: Uint8Array, element: DerElement): Uint8Array | undefined {
  let nonce: Uint8Array | undefined;
  for (const extension of readExtensions(bytes, element)) {
    if (extension.extnID === id_pkix_ocsp_nonce) {
      if (nonce) throw new DecodeError("two nonce extensions");
      nonce = new Uint8Array(extension.extnValue.buffer);
      checkNonce(nonce);
    } else if (extension.critical) {
      throw new DecodeError(`critical requestExtension ${extension.extnID} is not supported`);
    }
  }
  return nonce;
}

/** [n] EXPLICIT Extensions: exactly one SEQUENCE OF Extension inside. */
function readExtensions(bytes: Uint8Array, element: DerElement): Extensions {
  const inner = readChildren(bytes, element);
  if (inner.length !== 1 || inner[0]!.tag !== 0x30) throw new DecodeError("Extensions are not one SEQUENCE");
  const extensions = parseChecked(bytes.subarray(inner[0]!.start, inner[0]!.end), Extensions);
  if (extensions.length === 0) throw new DecodeError("Extensions are empty"); // SIZE (1..MAX), RFC 5280 §4.1
  return extensions;
}

/**
 * RFC 8954 §2.1: the extension's value is the DER of Nonce ::= OCTET STRING
 * (SIZE(1..32)); a responder MUST refuse a longer or empty one with
 * malformedRequest. (Some old clients put the nonce octets in extnValue
 * directly; RFC 8954 makes that wrong, and they are refused here too.)
 */
function checkNonce(value: Uint8Array): void {
  let element: DerElement;
  try {
    element = readElement(value, 0);
  } catch {
    throw new DecodeError("the nonce is not a DER OCTET STRING");
  }
  if (element.tag !== 0x04 || element.end !== value.length) throw new DecodeError("the nonce is not a DER OCTET STRING");
  const length = element.end - element.contentStart;
  if (length < 1 || length > MAX_NONCE_OCTETS) throw new DecodeError(`the nonce has ${length} octets (RFC 8954: 1 to ${MAX_NONCE_OCTETS})`);
}
