import {
  AsnAnyConverter,
  AsnBitStringConverter,
  AsnBooleanConverter,
  AsnConstructedOctetStringConverter,
  AsnEnumeratedConverter,
  AsnGeneralizedTimeConverter,
  AsnIntegerArrayBufferConverter,
  AsnIntegerBigIntConverter,
  AsnIntegerConverter,
  AsnNullConverter,
  AsnObjectIdentifierConverter,
  AsnOctetStringConverter,
  AsnUTCTimeConverter,
  AsnUtf8StringConverter,
  BitString,
  OctetString,
  type IAsnConverter,
} from "@peculiar/asn1-schema";
import { AsnIpConverter } from "@peculiar/asn1-x509";
import { isPlainDer } from "./der_plain.js";
import { SINGLE_OCTET_STRINGS, WIDE_STRINGS, BMP_STRING, bmpStringOctets, universalStringOctets } from "./der_strings.js";
import { DerWriter } from "./der_writer.js";
import { ipAddressOctets } from "./ip_address.js";
import { typeName } from "./type_name.js";

// The primitive values of the DER encoder (der_encoder.ts): what each of
// asn1-schema's known converters writes, octet for octet as asn1js writes
// it where asn1js writes the value exactly. Where asn1js did not (an
// INTEGER beyond 2^53 written from a double, an OBJECT IDENTIFIER arc of
// 2^49 or more written as nothing), this writes the exact value; a value
// no converter can write (a converter of its own, text that is no time or
// address) is an Error: the server encodes only what it built, so that is
// a bug to see, not a message to answer.

/** A value through one of asn1-schema's converters (and asn1-x509's iPAddress one); any other is an Error. */
export function writePrimitive(writer: DerWriter, converter: IAsnConverter, value: unknown): void {
  switch (converter) {
    case AsnIntegerConverter: {
      // A number, or the decimal text AsnIntegerConverter gives for four octets or more.
      const number = +(value as number);
      if (isSmallInteger(number)) return writeSmallInteger(writer, 0x02, number);
      const exact = integerOf(value);
      if (exact !== undefined) return writeBigInt(writer, 0x02, exact);
      break;
    }
    case AsnIntegerBigIntConverter:
      if (typeof value === "bigint") return writeBigInt(writer, 0x02, value);
      break;
    case AsnEnumeratedConverter: {
      if (isSmallInteger(value)) return writeSmallInteger(writer, 0x0a, value);
      const exact = integerOf(value);
      if (exact !== undefined) return writeBigInt(writer, 0x0a, exact);
      break;
    }
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
    case AsnConstructedOctetStringConverter:
      // CMS EncryptedContent's constructedValue items (asn1-cms): each an OctetString, written primitively (X.690 §10.2).
      if (value instanceof OctetString) return writeOctetStringClass(writer, value);
      break;
    case AsnIpConverter:
      if (typeof value === "string") return writePrimitiveBytes(writer, 0x04, ipAddressOctets(value));
      break;
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
    default: {
      if (typeof value !== "string") break;
      const tag = SINGLE_OCTET_STRINGS.get(converter);
      if (tag !== undefined) return writeLatin1String(writer, tag, value);
      const wide = WIDE_STRINGS.get(converter);
      if (wide !== undefined) return writePrimitiveBytes(writer, wide, wide === BMP_STRING ? bmpStringOctets(value) : universalStringOctets(value));
      break;
    }
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
        // An ANY holds an encoding: written as given when it is one DER element (der_plain.ts).
        const octets = bufferView(value);
        if (octets && isPlainDer(octets)) return writer.bytes(octets);
      }
      break;
  }
  throw new Error(`the DER encoder cannot write ${describe(value)} through this converter`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return `a ${value.constructor ? typeName(value.constructor) : "object"}`;
  return `the ${typeof value} ${JSON.stringify(String(value).slice(0, 40))}`;
}

/** An integer exactly: a bigint, an integral number, or decimal text (what AsnIntegerConverter reads past three octets). */
function integerOf(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?(0|[1-9]\d*)$/.test(value)) return BigInt(value);
  return undefined;
}

/** The octets of an ArrayBuffer or a view, as asn1js's BufferSourceConverter reads them; undefined for anything else. */
export function bufferView(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
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
 * Integers asn1js writes exactly (its two's complement goes through
 * doubles, and a negative number of seven octets, below -2^47, or a
 * positive one near 2^53 loses low bits): written here as a number, the
 * rest exactly as a bigint (writeBigInt).
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

/** A bigint as an INTEGER (X.690 §8.3): two's complement in the fewest octets (§8.3.2), low octet first into the writer. */
function writeBigInt(writer: DerWriter, tag: number, value: bigint): void {
  const mark = writer.size;
  let rest = value;
  for (;;) {
    const low = Number(rest & 0xffn);
    writer.byte(low);
    rest >>= 8n;
    if ((rest === 0n && !(low & 0x80)) || (rest === -1n && low & 0x80)) break;
  }
  writer.header(tag, mark);
}

/**
 * Dotted decimal to X.690 §8.19: the first two arcs as one (40 × first +
 * second), each arc in base 128, fewest octets. Only the plain form (first
 * arc 0, 1 or 2, decimal arcs without leading zeros); false for anything
 * else. Arcs of any size are written exactly (asn1js wrote one of 2^49 or
 * more as nothing, which no reader takes for the same OID).
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
  const numbers: bigint[] = [];
  for (const arc of arcs) {
    if (!/^(0|[1-9]\d*)$/.test(arc)) return false;
    numbers.push(BigInt(arc));
  }
  if (numbers[0]! > 2n) return false;
  const first = numbers[0]! * 40n + numbers[1]!;
  const mark = writer.size;
  for (let index = numbers.length - 1; index >= 1; index--) writeBase128(writer, index === 1 ? first : numbers[index]!);
  writer.header(0x06, mark);
  return true;
}

function writeBase128(writer: DerWriter, value: bigint): void {
  let rest = value;
  writer.byte(Number(rest & 0x7fn));
  rest >>= 7n;
  while (rest > 0n) {
    writer.byte(0x80 | Number(rest & 0x7fn));
    rest >>= 7n;
  }
}

const UTF8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 (X.680 §41); false for a string with a lone surrogate, which has no UTF-8 (and asn1js refused too). */
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

/** UTCTime YYMMDDHHMMSSZ (X.690 §11.8), for the years it can carry as asn1js mapped them (1900-2099); false otherwise. */
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
