import {
  AsnAnyConverter,
  AsnBitStringConverter,
  AsnBooleanConverter,
  AsnEnumeratedConverter,
  AsnGeneralizedTimeConverter,
  AsnIA5StringConverter,
  AsnIntegerArrayBufferConverter,
  AsnIntegerBigIntConverter,
  AsnIntegerConverter,
  AsnNullConverter,
  AsnNumericStringConverter,
  AsnObjectIdentifierConverter,
  AsnOctetStringConverter,
  AsnPrintableStringConverter,
  AsnUTCTimeConverter,
  AsnUtf8StringConverter,
  AsnVisibleStringConverter,
  BitString,
  OctetString,
  type IAsnConverter,
} from "@peculiar/asn1-schema";
import { isPlainDer } from "./der_plain.js";
import { DerWriter } from "./der_writer.js";

// The primitive values of the DER encoder (der_encoder.ts): what each of
// asn1-schema's known converters writes, octet for octet as asn1js writes it.

/**
 * A value whose octets depend on asn1js beyond the element at hand, so the
 * whole value is left to AsnSerializer: an element asn1js wrote with an
 * indefinite length (BER it was given in an ANY; asn1js then gives the
 * elements around it indefinite lengths too), or a primitive alternative of
 * a CHOICE under an IMPLICIT tag (which X.680 §31.2.9 forbids; asn1js
 * writes it as an empty constructed element). Neither happens for the
 * project's schemas and DER input.
 */
export class LeftToAsnSerializer extends Error {}

/** A value through one of asn1-schema's converters: the known ones written directly, any other through asn1js. */
export function writePrimitive(writer: DerWriter, converter: IAsnConverter, value: unknown): void {
  switch (converter) {
    case AsnIntegerConverter: {
      const number = +(value as number);
      if (isSmallInteger(number)) return writeSmallInteger(writer, 0x02, number);
      break;
    }
    case AsnIntegerBigIntConverter:
      if (typeof value === "bigint" && value >= 0n) return writeUnsignedBigInt(writer, value);
      break;
    case AsnEnumeratedConverter:
      if (isSmallInteger(value)) return writeSmallInteger(writer, 0x0a, value);
      break;
    case AsnIntegerArrayBufferConverter: {
      // Written as given, as asn1js does: the value is already two's-complement contents.
      const octets = bufferView(value);
      if (octets) return writePrimitiveBytes(writer, 0x02, octets);
      break;
    }
    case AsnBooleanConverter:
      // X.690 §11.1: DER writes TRUE as FF.
      writer.byte(value ? 0xff : 0x00);
      writer.byte(1);
      writer.byte(0x01);
      return;
    case AsnNullConverter:
      writer.byte(0);
      writer.byte(0x05);
      return;
    case AsnOctetStringConverter: {
      const octets = bufferView(value);
      if (octets) return writePrimitiveBytes(writer, 0x04, octets);
      break;
    }
    case AsnBitStringConverter: {
      const octets = bufferView(value);
      if (octets) return writeBitString(writer, 0, octets);
      break;
    }
    case AsnObjectIdentifierConverter:
      if (typeof value === "string" && writeObjectIdentifier(writer, value)) return;
      break;
    case AsnUtf8StringConverter:
      if (typeof value === "string" && writeUtf8String(writer, value)) return;
      break;
    case AsnPrintableStringConverter:
    case AsnIA5StringConverter:
    case AsnVisibleStringConverter:
    case AsnNumericStringConverter:
      if (typeof value === "string") return writeLatin1String(writer, SINGLE_OCTET_STRING_TAGS.get(converter)!, value);
      break;
    case AsnUTCTimeConverter:
      if (value instanceof Date && writeUtcTime(writer, value)) return;
      break;
    case AsnGeneralizedTimeConverter:
      if (value instanceof Date && writeGeneralizedTime(writer, value)) return;
      break;
    case AsnAnyConverter:
      if (value === null) {
        writer.byte(0);
        writer.byte(0x05);
        return;
      }
      {
        // An ANY holds an encoding: written as given when it is one DER element asn1js would re-encode unchanged.
        const octets = bufferView(value);
        if (octets && isPlainDer(octets)) return writer.bytes(octets);
      }
      break;
  }
  writeForeign(writer, (converter.toASN(value) as { toBER(sizeOnly?: boolean): ArrayBuffer }).toBER(false));
}

const SINGLE_OCTET_STRING_TAGS = new Map<IAsnConverter, number>([
  [AsnPrintableStringConverter, 0x13],
  [AsnIA5StringConverter, 0x16],
  [AsnVisibleStringConverter, 0x1a],
  [AsnNumericStringConverter, 0x12],
]);

/** The octets of an ArrayBuffer or a view, as asn1js's BufferSourceConverter reads them; undefined for anything else. */
export function bufferView(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/** An element asn1js produced (a fallback): written as it is. */
export function writeForeign(writer: DerWriter, encoding: ArrayBuffer | Uint8Array): void {
  const octets = bufferView(encoding)!;
  if (octets.length === 0) throw new Error("asn1js could not encode a value");
  if (octets[1] === 0x80 || ((octets[0]! & 0x1f) === 0x1f && octets.includes(0x80, 1))) throw new LeftToAsnSerializer();
  writer.bytes(octets);
}

export function writePrimitiveBytes(writer: DerWriter, tag: number, contents: Uint8Array): void {
  const mark = writer.size;
  writer.bytes(contents);
  writer.header(tag, mark);
}

export function writeOctetStringClass(writer: DerWriter, value: OctetString): void {
  writePrimitiveBytes(writer, 0x04, bufferView(value.buffer) ?? new Uint8Array(0));
}

export function writeBitStringClass(writer: DerWriter, value: BitString): void {
  writeBitString(writer, value.unusedBits, bufferView(value.value) ?? new Uint8Array(0));
}

/** X.690 §8.6.2: the unused-bits count, then the bits; asn1js writes an empty BIT STRING as the count 0 alone. */
export function writeBitString(writer: DerWriter, unusedBits: number, bits: Uint8Array): void {
  const mark = writer.size;
  writer.bytes(bits);
  writer.byte(bits.length === 0 ? 0 : unusedBits);
  writer.header(0x03, mark);
}

/**
 * Integers asn1js writes exactly: its two's complement goes through
 * doubles, and a negative number of seven octets (below -2^47) or a
 * positive one near 2^53 loses low bits. Those are left to it.
 */
function isSmallInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= -(2 ** 47) && (value as number) <= 2 ** 48;
}

/** X.690 §8.3: two's complement in the fewest octets (§8.3.2), for integers exact in a double. */
function writeSmallInteger(writer: DerWriter, tag: number, value: number): void {
  const mark = writer.size;
  let rest = value;
  for (;;) {
    const low = ((rest % 256) + 256) % 256;
    writer.byte(low);
    rest = (rest - low) / 256;
    if ((rest === 0 && !(low & 0x80)) || (rest === -1 && low & 0x80)) break;
  }
  writer.header(tag, mark);
}

/** A non-negative bigint as an INTEGER (X.690 §8.3): its octets, a leading 00 where the top bit is set (negative ones are left to asn1js). */
function writeUnsignedBigInt(writer: DerWriter, value: bigint): void {
  const mark = writer.size;
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  for (let index = hex.length - 2; index >= 0; index -= 2) writer.byte(parseInt(hex.slice(index, index + 2), 16));
  if (parseInt(hex.slice(0, 2), 16) & 0x80) writer.byte(0);
  writer.header(0x02, mark);
}

/**
 * Dotted decimal to X.690 §8.19: the first two arcs as one (40 × first +
 * second), each arc in base 128, fewest octets. Only the plain form (first
 * arc 0, 1 or 2, decimal arcs without leading zeros, each below 2^49);
 * false for anything else, which asn1js then handles its own way.
 */
function writeObjectIdentifier(writer: DerWriter, text: string): boolean {
  let encoding = oidCache.get(text);
  if (!encoding) {
    const scratch = new DerWriter(32);
    if (!writeArcs(scratch, text)) return false;
    encoding = scratch.result();
    // A message names the same few dozen algorithms and attributes over and over; the cache stays bounded all the same.
    if (oidCache.size >= 4096) oidCache.clear();
    oidCache.set(text, encoding);
  }
  writer.bytes(encoding);
  return true;
}

const oidCache = new Map<string, Uint8Array>();

function writeArcs(writer: DerWriter, text: string): boolean {
  const arcs = text.split(".");
  if (arcs.length < 2) return false;
  const numbers: number[] = [];
  for (const arc of arcs) {
    if (!/^(0|[1-9]\d{0,14})$/.test(arc)) return false;
    const number = Number(arc);
    if (number >= MAX_ARC) return false;
    numbers.push(number);
  }
  if (numbers[0]! > 2) return false;
  const first = numbers[0]! * 40 + numbers[1]!;
  if (first >= MAX_ARC) return false;
  const mark = writer.size;
  for (let index = numbers.length - 1; index >= 1; index--) writeBase128(writer, index === 1 ? first : numbers[index]!);
  writer.header(0x06, mark);
  return true;
}

/** asn1js writes an arc in at most 7 octets of 7 bits (and nothing for a larger one); those are left to it. */
const MAX_ARC = 2 ** 49;

function writeBase128(writer: DerWriter, value: number): void {
  let rest = value;
  writer.byte(rest % 128);
  rest = Math.floor(rest / 128);
  while (rest > 0) {
    writer.byte(0x80 | rest % 128);
    rest = Math.floor(rest / 128);
  }
}

const UTF8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 (X.680 §41); false for a string with a lone surrogate, which asn1js refuses. */
function writeUtf8String(writer: DerWriter, text: string): boolean {
  const mark = writer.size;
  if (/^[\x00-\x7f]*$/.test(text)) {
    writer.latin1(text);
  } else {
    if (LONE_SURROGATE.test(text)) return false;
    writer.bytes(UTF8.encode(text));
  }
  writer.header(0x0c, mark);
  return true;
}

/** PrintableString, IA5String, VisibleString, NumericString: one octet per character, as asn1js writes them (it does not check the alphabet). */
function writeLatin1String(writer: DerWriter, tag: number, text: string): void {
  const mark = writer.size;
  writer.latin1(text);
  writer.header(tag, mark);
}

const two = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/** UTCTime YYMMDDHHMMSSZ (X.690 §11.8), for the years it can carry as asn1js maps them (1900-2099); false otherwise. */
function writeUtcTime(writer: DerWriter, date: Date): boolean {
  const year = date.getUTCFullYear();
  if (!(year >= 1900 && year <= 2099)) return false;
  const text = `${two(year % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  writeLatin1String(writer, 0x17, text);
  return true;
}

/**
 * GeneralizedTime YYYYMMDDHHMMSS[.fff]Z (X.690 §11.7): milliseconds only
 * when not zero, without trailing zeros (§11.7.3, §11.7.4), as asn1js writes it.
 */
function writeGeneralizedTime(writer: DerWriter, date: Date): boolean {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return false;
  const milliseconds = date.getUTCMilliseconds();
  const fraction = milliseconds === 0 ? "" : `.${String(milliseconds).padStart(3, "0").replace(/0+$/, "")}`;
  const text = `${String(year).padStart(4, "0")}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}${fraction}Z`;
  writeLatin1String(writer, 0x18, text);
  return true;
}
