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
  AsnSerializer,
  AsnTypeTypes,
  AsnUTCTimeConverter,
  AsnUtf8StringConverter,
  AsnVisibleStringConverter,
  BitString,
  OctetString,
  defaultConverter,
  type IAsnConverter,
} from "@peculiar/asn1-schema";
import { isPlainDer } from "./der_plain.js";
import { EncodedDer } from "./encoded_der.js";
import { DerWriter } from "./der_writer.js";
import { schemaOf, type Schema, type SchemaItem } from "./schema_metadata.js";

/**
 * Encode a schema object as DER, driven by the declarations its
 * @peculiar/asn1-schema decorators registered (schema_metadata.ts), without
 * building an asn1js tree: one walk over the object, octets written straight
 * into one buffer (der_writer.ts). The result is byte for byte what
 * AsnSerializer.serialize gives for the same object, including where that
 * is not what X.690 would choose (see encodeArray on SET OF); the
 * differential tests (test/asn1/codec/der_encoder.test.ts) and the mutation
 * run (scripts/codec_differential.ts) hold it to that.
 *
 * What this encoder does not know (a converter of its own, a class that
 * converts itself other than OctetString and BitString, a value a known
 * converter would treat in some unusual way) is handed, that element alone,
 * to asn1js as AsnSerializer would: correct, only slower.
 */
export function encodeDer(value: unknown, target?: Function): Uint8Array {
  // One writer (and its buffer) serves encode after encode; an encode inside an encode (a DEFAULT compared) gets its own.
  const writer = idle ?? new DerWriter();
  idle = undefined;
  try {
    writeObject(writer, value, target);
    return writer.result();
  } catch (error) {
    if (error instanceof LeftToAsnSerializer) return new Uint8Array(AsnSerializer.serialize(value));
    throw error;
  } finally {
    writer.reset();
    idle = writer;
  }
}

let idle: DerWriter | undefined;

/**
 * A value whose octets depend on asn1js beyond the element at hand, so the
 * whole value is left to AsnSerializer: an element asn1js wrote with an
 * indefinite length (BER it was given in an ANY; asn1js then gives the
 * elements around it indefinite lengths too), or a primitive alternative of
 * a CHOICE under an IMPLICIT tag (which X.680 §31.2.9 forbids; asn1js
 * writes it as an empty constructed element). Neither happens for the
 * project's schemas and DER input.
 */
class LeftToAsnSerializer extends Error {}

type Fields = Array<[string, SchemaItem]>;
const reversedFields = new WeakMap<Schema, Fields>();

/** A schema's fields, last first, as the writer needs them: worked out once per schema. */
function fieldsBackwards(schema: Schema): Fields {
  let fields = reversedFields.get(schema);
  if (!fields) {
    fields = Object.entries(schema.items).reverse();
    reversedFields.set(schema, fields);
  }
  return fields;
}

interface Convertible {
  toASN(): { toBER(sizeOnly?: boolean): ArrayBuffer };
  fromASN(asn: unknown): unknown;
}

/** asn1-schema's test for a value that converts itself: it has both toASN and fromASN. */
function isConvertible(value: object): value is Convertible {
  return "toASN" in value && "fromASN" in value;
}

/** A schema object (or a value that converts itself), as AsnSerializer.toASN treats it. */
function writeObject(writer: DerWriter, value: unknown, target?: Function): void {
  if (value instanceof EncodedDer) return writer.bytes(value.bytes);
  if (value && typeof value === "object" && isConvertible(value)) {
    if (value instanceof OctetString && value.toASN === OctetString.prototype.toASN) return writeOctetStringClass(writer, value);
    if (value instanceof BitString && value.toASN === BitString.prototype.toASN) return writeBitStringClass(writer, value);
    return writeForeign(writer, value.toASN().toBER(false));
  }
  if (!value || typeof value !== "object") throw new TypeError("Parameter 1 should be type of Object.");
  const schema = schemaOf(target ?? value.constructor);
  // A class without a schema (or with an empty one): AsnSerializer says what that is, or throws.
  if (!schema) return writeForeign(writer, AsnSerializer.serialize(value));
  if (schema.itemType !== undefined) return writeArray(writer, value, schema);
  if (schema.type === AsnTypeTypes.Choice) return writeChoice(writer, value as Record<string, unknown>, schema, target ?? value.constructor);
  const mark = writer.size;
  for (const [key, item] of fieldsBackwards(schema)) {
    const field = (value as Record<string, unknown>)[key];
    if (!isDefault(field, item)) writeField(writer, item, field);
  }
  // asn1-schema writes a SET's fields in declaration order, as it does a SEQUENCE's.
  writer.header(schema.type === AsnTypeTypes.Set ? 0x31 : 0x30, mark);
}

/**
 * Whether a field is left out: absent, or equal to its DEFAULT (X.690
 * §11.5: DER omits a value equal to the default). asn1-schema compares a
 * default that is an object by its encoding, as done here.
 */
function isDefault(field: unknown, item: SchemaItem): boolean {
  if (field === undefined || field === item.defaultValue) return true;
  if (typeof item.defaultValue !== "object" || typeof field !== "object") return false;
  return bytesEqual(encodeDer(item.defaultValue), encodeDer(field));
}

/** A CHOICE is its first alternative (in declaration order) that is present, with that alternative's tagging. */
function writeChoice(writer: DerWriter, value: Record<string, unknown>, schema: Schema, target: Function): void {
  const fields = fieldsBackwards(schema);
  for (let index = fields.length - 1; index >= 0; index--) {
    const [key, item] = fields[index]!;
    const field = value[key];
    if (!isDefault(field, item)) return writeField(writer, item, field);
  }
  throw new Error(`Schema '${target.name}' has wrong data. Choice cannot be empty.`);
}

/**
 * A SEQUENCE OF / SET OF class. Its items are written in the array's order
 * for SET OF too: X.690 §11.6 would sort a DER SET OF by the items'
 * encodings, but asn1-schema does not, and this encoder reproduces
 * asn1-schema's octets (a Name's RDNs hold one attribute each in practice,
 * where the two agree).
 */
function writeArray(writer: DerWriter, value: object, schema: Schema): void {
  if (!Array.isArray(value)) throw new TypeError("Parameter 1 should be type of Array.");
  const mark = writer.size;
  if (typeof schema.itemType === "number") {
    const converter = defaultConverter(schema.itemType);
    if (!converter) throw new Error("Cannot get default converter for array item");
    for (let index = value.length - 1; index >= 0; index--) writePrimitive(writer, converter, value[index]);
  } else {
    for (let index = value.length - 1; index >= 0; index--) writeObject(writer, value[index]);
  }
  writer.header(schema.type === AsnTypeTypes.Set ? 0x31 : 0x30, mark);
}

/** One field with its tagging (X.690 §8.14): [n] EXPLICIT wraps the type's encoding, [n] IMPLICIT replaces its identifier. */
function writeField(writer: DerWriter, item: SchemaItem, value: unknown): void {
  if (item.context === undefined) return writeUntagged(writer, item, value);
  const mark = writer.size;
  writeUntagged(writer, item, value);
  if (!item.implicit) return writer.header(0xa0 | item.context, mark);
  const tag = writer.peek();
  // As asn1-schema does: a primitive type, or a class that converts itself,
  // gets a primitive [n] (whatever its own form); a schema class a constructed one.
  const primitive = !item.repeated && (typeof item.type === "number" || isConvertibleClass(item.type));
  if (!primitive && !(tag & 0x20)) throw new LeftToAsnSerializer();
  // asn1js takes an IMPLICIT NULL that came from encoded octets (an ANY holding 05 00) whole, its header included, as the contents.
  if (!(tag === 0x05 && bufferView(value) !== undefined)) writer.dropHeader();
  writer.header((primitive ? 0x80 : 0xa0) | item.context, mark);
}

function isConvertibleClass(type: Function): boolean {
  const prototype = type.prototype as Record<string, unknown> | undefined;
  return !!prototype && typeof prototype.toASN === "function" && typeof prototype.fromASN === "function";
}

function writeUntagged(writer: DerWriter, item: SchemaItem, value: unknown): void {
  if (item.repeated) {
    if (!Array.isArray(value)) throw new TypeError("Parameter 'objProp' should be type of Array.");
    const mark = writer.size;
    if (typeof item.type === "number") {
      const converter = requireConverter(item);
      for (let index = value.length - 1; index >= 0; index--) writePrimitive(writer, converter, value[index]);
    } else {
      for (let index = value.length - 1; index >= 0; index--) writeObject(writer, value[index]);
    }
    return writer.header(item.repeated === "set" ? 0x31 : 0x30, mark);
  }
  if (typeof item.type === "number") return writePrimitive(writer, requireConverter(item), value);
  // As AsnSerializer does, a class-typed field is written by its value's own class (a subclass keeps its schema).
  writeObject(writer, value);
}

function requireConverter(item: SchemaItem): IAsnConverter {
  if (!item.converter) throw new Error("Property doesn't have a converter for its type");
  return item.converter;
}

/** A value through one of asn1-schema's converters: the known ones written directly, any other through asn1js. */
function writePrimitive(writer: DerWriter, converter: IAsnConverter, value: unknown): void {
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
function bufferView(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/** An element asn1js produced (a fallback): written as it is. */
function writeForeign(writer: DerWriter, encoding: ArrayBuffer | Uint8Array): void {
  const octets = bufferView(encoding)!;
  if (octets.length === 0) throw new Error("asn1js could not encode a value");
  if (octets[1] === 0x80 || ((octets[0]! & 0x1f) === 0x1f && octets.includes(0x80, 1))) throw new LeftToAsnSerializer();
  writer.bytes(octets);
}

function writePrimitiveBytes(writer: DerWriter, tag: number, contents: Uint8Array): void {
  const mark = writer.size;
  writer.bytes(contents);
  writer.header(tag, mark);
}

function writeOctetStringClass(writer: DerWriter, value: OctetString): void {
  writePrimitiveBytes(writer, 0x04, bufferView(value.buffer) ?? new Uint8Array(0));
}

function writeBitStringClass(writer: DerWriter, value: BitString): void {
  writeBitString(writer, value.unusedBits, bufferView(value.value) ?? new Uint8Array(0));
}

/** X.690 §8.6.2: the unused-bits count, then the bits; asn1js writes an empty BIT STRING as the count 0 alone. */
function writeBitString(writer: DerWriter, unusedBits: number, bits: Uint8Array): void {
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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
