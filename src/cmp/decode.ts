import { checkDer, type DerLimits, type ElementBudget } from "../asn1/der_scan.js";
import { readChildren, readElement, type DerElement } from "../asn1/der.js";
import { DecodeError } from "../asn1/decode_error.js";
import { parseChecked } from "../asn1/parse_der.js";
import { PKIMessage } from "../asn1/pki_message.js";
import { parsePKIBody, PKIBodyTypes, type PKIBody, type PKIBodyType } from "../asn1/pki_body.js";
import { PKIHeader } from "../asn1/pki_header.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { Limits } from "../config/profile.js";
import { DEFAULT_LIMITS } from "../config/defaults.js";

export interface DecodedRequest {
  message: PKIMessage;
  type: PKIBodyType;
  /** The received DER of header and body (what protection covers, RFC 9810 §5.1.3). */
  headerDer: Uint8Array;
  bodyDer: Uint8Array;
  /** The extraCerts as received, DER, in order (the protection certificate first, RFC 9483 §3.3). */
  extraCertsDer: Uint8Array[];
}

/**
 * A PKIMessage whose outer shell and header decoded: enough to answer it
 * with an `error` message that names its transaction, even when its body
 * then turns out to be malformed or too large.
 */
export interface MessageShell {
  header: PKIHeader;
  headerDer: Uint8Array;
  /** The body type, from its tag; undefined for a tag that is no PKIBody alternative. */
  type?: PKIBodyType;
  bodyDer: Uint8Array;
  protection?: Uint8Array;
  extraCertsDer: Uint8Array[];
  /** Elements counted so far (the header's), against limits.derMaxElements for the whole message. */
  budget: ElementBudget;
  /** What is wrong with the message after its header, if anything: decodeBody answers it with badDataFormat. */
  malformed?: string;
}

/** The DER walk's bounds, from the endpoint's limits. */
export function derLimitsOf(limits: Limits): DerLimits {
  return { maxDepth: limits.derMaxDepth, maxElements: limits.derMaxElements, oidMaxArcs: limits.oidMaxArcs, oidMaxBytes: limits.oidMaxBytes };
}

/**
 * The first step of decoding: find and decode the header. Undefined when
 * the bytes are not a PKIMessage at all (the caller answers HTTP 400 with
 * badDataFormat): no one SEQUENCE spanning the bytes (bytes after it are
 * not part of any PKIMessage), or a first element that is not a DER
 * PKIHeader within the limits. Once the header decodes, the message is a
 * PKIMessage to answer in CMP (DESIGN.md, "Errors are CMP messages": HTTP
 * 400 only for what is not one), so whatever is wrong inside it after the header (RFC 9810 §5.1: no
 * body, a body that is no PKIBody alternative, a protection that is not
 * one BIT STRING of whole octets, extraCerts that are not a SEQUENCE OF
 * certificates, any further element) is kept in `malformed`, and
 * decodeBody refuses it with badDataFormat.
 *
 * ```asn1
 * PKIMessage ::= SEQUENCE {
 *     header           PKIHeader,
 *     body             PKIBody,
 *     protection   [0] PKIProtection OPTIONAL,
 *     extraCerts   [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL }
 * ```
 */
export function decodeShell(bytes: Uint8Array, limits: Limits = DEFAULT_LIMITS): MessageShell | undefined {
  let message: DerElement;
  let headerElement: DerElement;
  let header: PKIHeader;
  const budget: ElementBudget = { elements: 1 };
  try {
    message = readElement(bytes, 0);
    if (message.tag !== 0x30 || message.end !== bytes.length) return undefined;
    headerElement = readElement(bytes, message.contentStart);
    if (headerElement.tag !== 0x30 || headerElement.end > message.end) return undefined;
    // The header is parsed before anything is authenticated: a quarter of the
    // elements is plenty for any real one (openssl's have under 40).
    const der = derLimitsOf(limits);
    const headerDer = bytes.subarray(headerElement.start, headerElement.end);
    checkDer(headerDer, { ...der, maxElements: Math.floor(der.maxElements / 4) }, budget);
    header = parseChecked(headerDer, PKIHeader);
  } catch {
    return undefined;
  }
  const headerDer = bytes.subarray(headerElement.start, headerElement.end);
  let parts: MessageParts;
  let malformed: string | undefined;
  try {
    parts = splitPKIMessage(bytes, message, headerElement);
  } catch (error) {
    parts = { headerDer, bodyDer: new Uint8Array(0), extraCertsDer: [] };
    malformed = `the PKIMessage is malformed after its header: ${error instanceof Error ? error.message : String(error)} (RFC 9810 §5.1)`;
  }
  const tag = parts.bodyDer.length > 0 ? parts.bodyDer[0]! ^ 0xa0 : -1;
  return { ...parts, header, type: PKIBodyTypes[tag], budget, malformed };
}

/**
 * The second step: check the rest of the message against the limits, and
 * make the body ready to decode. Throws CmpError: badDataFormat for a body
 * that is not DER or exceeds the DER limits, badRequest for extraCerts
 * beyond their count or size. The certificates in extraCerts are walked
 * with a budget of their own, since only signature checking parses them,
 * once, where it needs them.
 *
 * The body itself is parsed when it is first read (message.body), which
 * for most messages is after their protection is verified: its schema
 * parse is the costliest part of decoding (microseconds per element), and
 * an unauthenticated sender should not be able to make the server spend
 * it. A body that does not decode then throws CmpError badDataFormat from
 * wherever it is read.
 */
export function decodeBody(shell: MessageShell, limits: Limits = DEFAULT_LIMITS): DecodedRequest {
  if (shell.malformed) throw new CmpError("badDataFormat", shell.malformed.slice(0, 300));
  const der = derLimitsOf(limits);
  const { extraCertsDer } = shell;
  if (extraCertsDer.length > limits.extraCertsMaxCount) {
    throw new CmpError("badRequest", `extraCerts holds ${extraCertsDer.length} certificates; at most ${limits.extraCertsMaxCount} are accepted`);
  }
  const extraBytes = extraCertsDer.reduce((sum, certificate) => sum + certificate.length, 0);
  if (extraBytes > limits.extraCertsMaxBytes) {
    throw new CmpError("badRequest", `extraCerts holds ${extraBytes} bytes; at most ${limits.extraCertsMaxBytes} are accepted`);
  }
  const type = shell.type;
  if (!type) throw new CmpError("badDataFormat", `the body's tag 0x${shell.bodyDer[0]!.toString(16)} is no PKIBody alternative (RFC 9810 §5.1.2)`);
  badDataFormatOn(type, () => {
    checkDer(shell.bodyDer, der, shell.budget);
    // Signature checking parses these before the sender is known: all of
    // them together get as many elements as header and body (a real
    // certificate has 40 to 200).
    const certificates: ElementBudget = { elements: 0 };
    for (const [index, certificate] of extraCertsDer.entries()) {
      try {
        checkDer(certificate, der, certificates);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        throw new DecodeError(`extraCerts certificate #${index + 1}: ${error.message}`, { kind: error.kind, cause: error });
      }
    }
  });
  const message = new PKIMessage({ header: shell.header, headerRaw: shell.headerDer, bodyRaw: shell.bodyDer, protection: shell.protection?.slice().buffer });
  let body: PKIBody | undefined;
  Object.defineProperty(message, "body", {
    enumerable: true,
    get: () => (body ??= badDataFormatOn(type, () => parsePKIBody(shell.bodyDer))),
  });
  return { message, type, headerDer: shell.headerDer, bodyDer: shell.bodyDer, extraCertsDer };
}

function badDataFormatOn<T>(type: PKIBodyType, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof DecodeError) {
      const what = error.kind === "limit" ? "the message exceeds a decoding limit" : `the ${type} body is not valid DER`;
      throw new CmpError("badDataFormat", `${what}: ${error.message}`.slice(0, 300), { cause: error });
    }
    throw error;
  }
}

/** Both steps: the whole message, or undefined when any part of it does not decode (the client reads answers so). */
export function decodeRequest(bytes: Uint8Array, limits: Limits = DEFAULT_LIMITS): DecodedRequest | undefined {
  const shell = decodeShell(bytes, limits);
  if (!shell) return undefined;
  try {
    const decoded = decodeBody(shell, limits);
    void decoded.message.body;
    return decoded;
  } catch {
    return undefined;
  }
}

interface MessageParts {
  headerDer: Uint8Array;
  bodyDer: Uint8Array;
  /** The PKIProtection bits (octet-aligned). */
  protection?: Uint8Array;
  extraCertsDer: Uint8Array[];
}

/**
 * The four fields of a PKIMessage, as DER views into `bytes`, after its
 * header; throws, saying what is wrong, unless they are well formed.
 */
function splitPKIMessage(bytes: Uint8Array, message: DerElement, header: DerElement): MessageParts {
  const rest: DerElement[] = [];
  for (let offset = header.end; offset < message.end; ) {
    const element = readElement(bytes, offset);
    if (element.end > message.end) throw new Error("an element runs past the end of the PKIMessage");
    rest.push(element);
    offset = element.end;
  }
  const body = rest.shift();
  if (!body) throw new Error("there is no body");
  // PKIBody is a CHOICE of [n] EXPLICIT alternatives: always constructed, context-specific.
  if ((body.tag & 0xe0) !== 0xa0) throw new Error(`the body's tag 0x${body.tag.toString(16)} is no PKIBody alternative`);
  const view = (element: DerElement) => bytes.subarray(element.start, element.end);
  const parts: MessageParts = { headerDer: view(header), bodyDer: view(body), extraCertsDer: [] };
  let next = rest.shift();
  if (next?.tag === 0xa0) {
    parts.protection = protectionBits(bytes, next);
    next = rest.shift();
  }
  if (next?.tag === 0xa1) {
    parts.extraCertsDer = certificateSequence(bytes, next).map(view);
    next = rest.shift();
  }
  if (next) throw new Error(`unexpected element 0x${next.tag.toString(16)} after the body`);
  return parts;
}

/** `[0] PKIProtection` (a BIT STRING): its bits, which are whole octets (a MAC or a signature). */
function protectionBits(bytes: Uint8Array, explicit: DerElement): Uint8Array {
  const [bitString, ...more] = readChildren(bytes, explicit);
  if (bitString?.tag !== 0x03 || more.length > 0 || bitString.end === bitString.contentStart) throw new Error("protection is not one BIT STRING");
  if (bytes[bitString.contentStart] !== 0) throw new Error("protection is not a whole number of octets");
  return bytes.subarray(bitString.contentStart + 1, bitString.end);
}

/** `[1] SEQUENCE SIZE (1..MAX) OF CMPCertificate`: the certificates' elements (each a SEQUENCE). */
function certificateSequence(bytes: Uint8Array, explicit: DerElement): DerElement[] {
  const [sequence, ...more] = readChildren(bytes, explicit);
  if (sequence?.tag !== 0x30 || more.length > 0) throw new Error("extraCerts is not one SEQUENCE");
  const certificates = readChildren(bytes, sequence);
  if (certificates.length === 0 || certificates.some((certificate) => certificate.tag !== 0x30)) {
    throw new Error("extraCerts is not a SEQUENCE SIZE (1..MAX) OF CMPCertificate");
  }
  return certificates;
}
