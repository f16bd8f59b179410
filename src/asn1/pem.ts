import { fromBase64, toBase64 } from "./bytes.js";

/**
 * PEM (RFC 7468): base64 DER between "-----BEGIN label-----" and
 * "-----END label-----". Written with atob/btoa so it runs in workerd
 * without nodejs_compat.
 */

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export class PemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PemError";
  }
}

/** Encode DER as PEM with 64-character lines (RFC 7468 §2, strict form). */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = toBase64(der);
  const lines: string[] = [];
  for (let index = 0; index < base64.length; index += 64) lines.push(base64.slice(index, index + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Several certificates in one file, as CA chains are distributed. */
export function encodeCertificatesPem(certificates: readonly Uint8Array[]): string {
  return certificates.map((der) => encodePem("CERTIFICATE", der)).join("");
}

/**
 * Every PEM block in `text`, in order. Text between blocks (explanatory
 * text, RFC 7468 §5.2, e.g. OpenSSL's "subject=" lines) is ignored;
 * whitespace inside the base64 is allowed (the lax reading of §3).
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([^-\r\n]*)-----([\s\S]*?)-----END ([^-\r\n]*)-----/g;
  for (const match of text.matchAll(pattern)) {
    const [, label, body, endLabel] = match;
    if (label !== endLabel) throw new PemError(`PEM block "${label}" ends with "${endLabel}"`);
    if (/^\s*[A-Za-z-]+:/m.test(body!)) throw new PemError(`PEM block "${label}" has RFC 1421 headers (encrypted?)`);
    blocks.push({ label: label!, der: base64ToBytes(body!.replace(/\s+/g, ""), label!) });
  }
  return blocks;
}

/** The DER of every block with `label`; throws if there is none. */
export function decodePemLabel(text: string, label: string): Uint8Array[] {
  const ders = decodePem(text)
    .filter((block) => block.label === label)
    .map((block) => block.der);
  if (ders.length === 0) throw new PemError(`no "${label}" PEM block found`);
  return ders;
}

/** All certificates in a PEM file, in file order. */
export function decodeCertificatesPem(text: string): Uint8Array[] {
  return decodePemLabel(text, "CERTIFICATE");
}

/** Exactly one PEM block with `label`. */
export function decodeSinglePem(text: string, label: string): Uint8Array {
  const ders = decodePemLabel(text, label);
  if (ders.length !== 1) throw new PemError(`expected one "${label}" PEM block, found ${ders.length}`);
  return ders[0]!;
}

function base64ToBytes(base64: string, what: string): Uint8Array {
  try {
    return fromBase64(base64);
  } catch {
    throw new PemError(`${what}: invalid base64`);
  }
}
