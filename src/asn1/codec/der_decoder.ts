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
  AsnPropTypes,
  AsnTypeTypes,
  AsnUTCTimeConverter,
  AsnUtf8StringConverter,
  BitString,
  OctetString,
  defaultConverter,
  type IAsnConverter,
} from "@peculiar/asn1-schema";
import { AsnIpConverter } from "@peculiar/asn1-x509";
import { DecodeError } from "../decode_error.js";
import { derChildren, derContents, derEncoding, readDerElement, type DerElement } from "./der_reader.js";
import { EncodedDer } from "./encoded_der.js";
import { BMP_STRING, SINGLE_OCTET_STRINGS, WIDE_STRINGS, decodeBmpString, decodeUniversalString, latin1 } from "./der_strings.js";
import { schemaOf, type Schema, type SchemaItem } from "./schema_metadata.js";
import { typeName } from "./type_name.js";

/**
 * Decode DER into a schema class, driven by the declarations its
 * @peculiar/asn1-schema decorators registered (schema_metadata.ts), without
 * tokenizing through asn1js: one walk over the bytes, values read straight
 * from the contents octets. Strict DER (der_reader.ts); a structure that does
 * not match its declaration is a DecodeError.
 *
 * It reads every type the project's schemas and asn1-x509, -cms, -ocsp and
 * -csr declare, and nothing through asn1js: the Worker bundle leaves asn1js
 * out (src/runtime/asn1js_absent.ts). What it has no reader for is refused,
 * a DecodeError (badDataFormat for a received message), where it used to be
 * handed to asn1js: a SET type, a class that converts itself (other than
 * OctetString, BitString, EncodedDer), a converter other than asn1-schema's
 * own and asn1-x509's iPAddress one, a RELATIVE-OID. None occurs in what
 * the schemas declare. The differential tests (test/asn1/codec/,
 * scripts/codec_differential.ts) hold it to AsnParser's results.
 */
export function decodeDer<T>(bytes: Uint8Array, target: new () => T): T {
  const element = readDerElement(bytes, 0, bytes.length);
  if (element.end !== bytes.length) throw new DecodeError(`${bytes.length - element.end} byte(s) after the DER element`);
  return decodeType(element, target) as T;
}

type Target = AsnPropTypes | (new () => unknown);

/**
 * An element that is none of a CHOICE's alternatives (its tag is none of
 * theirs, or it is an alternative's empty [n] EXPLICIT): an optional CHOICE
 * in a SEQUENCE whose own element this is, is then absent, as AsnParser
 * leaves it. Deeper down the same is an ordinary DecodeError.
 */
class ChoiceMismatch extends DecodeError {
  constructor(
    message: string,
    readonly element: DerElement,
  ) {
    super(message);
  }
}

function decodeType(element: DerElement, target: new () => unknown): unknown {
  if (target === OctetString || target.prototype instanceof OctetString) return decodeOctetStringClass(element, target as new () => OctetString);
  if (target === BitString || target.prototype instanceof BitString) return decodeBitStringClass(element, target as new () => BitString);
  // Octets kept as they are (pki_header_der.ts): the element whole, whatever it is.
  if (target === EncodedDer) return new EncodedDer(derEncoding(element).slice());
  const schema = schemaOf(target);
  if (!schema) throw new DecodeError(`${typeName(target)} has no schema this decoder reads`);
  if (schema.itemType !== undefined) return decodeArray(element, target, schema);
  if (schema.type === AsnTypeTypes.Choice) return decodeChoice(element, target, schema);
  // AsnParser could not match a SET's fields in any order either; no schema of the project's is one.
  if (schema.type === AsnTypeTypes.Set) throw new DecodeError(`SET types (${typeName(target)}) are not decoded here`);
  return decodeSequence(element, target, schema);
}

function decodeSequence(element: DerElement, target: new () => unknown, schema: Schema, implicitContents = false): unknown {
  if (!implicitContents && element.tag !== 0x30) throw new DecodeError(`${typeName(target)}: expected a SEQUENCE`);
  const children = derChildren(element);
  const result = new target() as Record<string, unknown>;
  let index = 0;
  for (const [key, item, choice] of fieldsOf(schema)) {
    const child = children[index];
    if (child && item.optional && choice) {
      // As AsnParser does: an optional CHOICE takes the element in its place,
      // whatever its tag, and is left absent when that is none of its
      // alternatives (the engine then tells what was received, e.g. badPOP
      // for a popo it does not offer).
      index++;
      try {
        assign(result, key, item, decodeField(child, item), child);
      } catch (error) {
        if (!(error instanceof ChoiceMismatch) || error.element !== child) throw error;
      }
    } else if (child && matches(child, item)) {
      assign(result, key, item, decodeField(child, item), child);
      index++;
    } else if (!item.optional && item.defaultValue === undefined) {
      throw new DecodeError(`${typeName(target)}: ${key} is missing`);
    }
  }
  if (index !== children.length) throw new DecodeError(`${typeName(target)}: ${children.length - index} element(s) its schema does not have`);
  return result;
}

function decodeChoice(element: DerElement, target: new () => unknown, schema: Schema): unknown {
  for (const [key, item] of fieldsOf(schema)) {
    if (!matches(element, item)) continue;
    const result = new target() as Record<string, unknown>;
    assign(result, key, item, decodeField(element, item), element);
    return result;
  }
  throw new ChoiceMismatch(`${typeName(target)}: no alternative has tag 0x${element.tag.toString(16)}`, element);
}

/** A SEQUENCE OF / SET OF class; `implicitContents`: under an IMPLICIT tag, whose contents are the items. */
function decodeArray(element: DerElement, target: new () => unknown, schema: Schema, implicitContents = false): unknown {
  const expected = schema.type === AsnTypeTypes.Set ? 0x31 : 0x30;
  if (!implicitContents && element.tag !== expected) throw new DecodeError(`${typeName(target)}: expected a ${expected === 0x31 ? "SET" : "SEQUENCE"} OF`);
  const items = derChildren(element).map((child) => decodeValue(child, schema.itemType!));
  return (target as unknown as { from(items: unknown[]): unknown }).from(items);
}

const fieldLists = new WeakMap<Schema, Array<[string, SchemaItem, boolean]>>();

/** A schema's fields in order, each with whether it is an untagged CHOICE: worked out once per schema, not per decode. */
function fieldsOf(schema: Schema): Array<[string, SchemaItem, boolean]> {
  let fields = fieldLists.get(schema);
  if (!fields) {
    fields = Object.entries(schema.items).map(([key, item]) => {
      const type = typeof item.type === "function" ? schemaOf(item.type) : undefined;
      return [key, item, item.context === undefined && type?.type === AsnTypeTypes.Choice && type.itemType === undefined];
    });
    fieldLists.set(schema, fields);
  }
  return fields;
}

/** A field's value; a `raw` field also keeps its encoding as `<key>Raw`, as AsnParser does. */
function assign(result: Record<string, unknown>, key: string, item: SchemaItem, value: unknown, element: DerElement): void {
  result[key] = value;
  if (item.raw) result[`${key}Raw`] = derEncoding(element).slice();
}

/** One field: its tagging undone, then its value. */
function decodeField(element: DerElement, item: SchemaItem): unknown {
  if (item.context !== undefined && !item.implicit) {
    const [inner, ...rest] = derChildren(element);
    // An empty [n] is no value of the field's type; where it is a CHOICE's alternative, AsnParser sees no alternative at all.
    if (!inner) throw new ChoiceMismatch(`[${item.context}] EXPLICIT is empty`, element);
    if (rest.length > 0) throw new DecodeError(`[${item.context}] EXPLICIT holds exactly one element`);
    return decodeUntagged(inner, item, false);
  }
  return decodeUntagged(element, item, item.context !== undefined);
}

/** `implicit`: the element carries a context tag in place of the type's own; its contents are the type's. */
function decodeUntagged(element: DerElement, item: SchemaItem, implicit: boolean): unknown {
  if (item.repeated) {
    if (!implicit && element.tag !== (item.repeated === "set" ? 0x31 : 0x30)) throw new DecodeError(`expected a ${item.repeated.toUpperCase()} OF`);
    return derChildren(element).map((child) => decodeValue(child, item.type, item.converter));
  }
  if (implicit) {
    if (typeof item.type !== "number") {
      const schema = schemaOf(item.type);
      if (schema && schema.itemType === undefined && schema.type === AsnTypeTypes.Sequence) return decodeSequence(element, item.type, schema, true);
      if (schema && schema.itemType !== undefined) return decodeArray(element, item.type, schema, true);
    }
    // A primitive (or a class that converts itself) under an IMPLICIT tag: read it as if it had its own tag.
    const own = typeof item.type === "number" ? universalTagOf(item.type) : tagsOf(item.type)[0];
    const retagged = { ...element, tag: own ?? element.tag };
    return decodeValue(retagged, item.type, item.converter);
  }
  return decodeValue(element, item.type, item.converter);
}

function decodeValue(element: DerElement, type: Target, converter?: IAsnConverter): unknown {
  if (typeof type === "number") return decodePrimitive(element, type, converter ?? defaultConverter(type) ?? undefined);
  // CMS EncryptedContent's constructedValue (RFC 5652 §6.1, asn1-cms): the items of a constructed [0] IMPLICIT, each an OCTET STRING.
  if (converter === AsnConstructedOctetStringConverter && (type === OctetString || type.prototype instanceof OctetString)) return decodeType(element, type);
  if (converter) throw new DecodeError(`${typeName(type)}: a converter this decoder has no reader for`);
  return decodeType(element, type);
}

/** Whether `element` can be this field: its tag is the one the field's type and tagging give. */
function matches(element: DerElement, item: SchemaItem): boolean {
  if (item.context !== undefined) {
    if ((element.tag & 0xc0) !== 0x80 || (element.tag & 0x1f) !== item.context) return false;
    // EXPLICIT is always constructed; IMPLICIT keeps the type's own form.
    if (!item.implicit) return (element.tag & 0x20) !== 0;
    const own = item.repeated ? 0x30 : tagsOf(item.type)[0];
    return own === undefined || (own & 0x20) === (element.tag & 0x20);
  }
  if (item.repeated) return element.tag === (item.repeated === "set" ? 0x31 : 0x30);
  const tags = tagsOf(item.type);
  return tags.length === 0 || tags.includes(element.tag);
}

const tagCache = new Map<Target, number[]>();

/** The tags a value of `type` may carry; empty means any (ANY, or an open type). */
function tagsOf(type: Target): number[] {
  let tags = tagCache.get(type);
  if (tags) return tags;
  tags = computeTags(type);
  tagCache.set(type, tags);
  return tags;
}

function computeTags(type: Target): number[] {
  if (typeof type === "number") {
    const tag = universalTagOf(type);
    return tag === undefined ? [] : [tag];
  }
  if (type === OctetString || type.prototype instanceof OctetString) return [0x04];
  if (type === BitString || type.prototype instanceof BitString) return [0x03];
  const schema = schemaOf(type);
  // EncodedDer takes any element; any other class without a schema is refused when decoded (decodeType).
  if (!schema) return [];
  if (schema.itemType !== undefined) return [schema.type === AsnTypeTypes.Set ? 0x31 : 0x30];
  if (schema.type === AsnTypeTypes.Set) return [0x31];
  if (schema.type === AsnTypeTypes.Sequence) return [0x30];
  const tags: number[] = [];
  for (const item of Object.values(schema.items)) {
    if (item.context !== undefined) {
      const own = item.repeated ? 0x30 : tagsOf(item.type)[0];
      const constructed = !item.implicit || own === undefined || (own & 0x20) !== 0;
      tags.push(0x80 | (constructed ? 0x20 : 0) | item.context);
    } else if (item.repeated) {
      tags.push(item.repeated === "set" ? 0x31 : 0x30);
    } else {
      const inner = tagsOf(item.type);
      if (inner.length === 0) return [];
      tags.push(...inner);
    }
  }
  return tags;
}

const UNIVERSAL_TAGS: Partial<Record<AsnPropTypes, number>> = {
  [AsnPropTypes.Boolean]: 0x01,
  [AsnPropTypes.Integer]: 0x02,
  [AsnPropTypes.BitString]: 0x03,
  [AsnPropTypes.OctetString]: 0x04,
  [AsnPropTypes.Null]: 0x05,
  [AsnPropTypes.ObjectIdentifier]: 0x06,
  [AsnPropTypes.Enumerated]: 0x0a,
  [AsnPropTypes.Utf8String]: 0x0c,
  [AsnPropTypes.RelativeObjectIdentifier]: 0x0d,
  [AsnPropTypes.NumericString]: 0x12,
  [AsnPropTypes.PrintableString]: 0x13,
  [AsnPropTypes.TeletexString]: 0x14,
  [AsnPropTypes.VideotexString]: 0x15,
  [AsnPropTypes.IA5String]: 0x16,
  [AsnPropTypes.UTCTime]: 0x17,
  [AsnPropTypes.GeneralizedTime]: 0x18,
  [AsnPropTypes.GraphicString]: 0x19,
  [AsnPropTypes.VisibleString]: 0x1a,
  [AsnPropTypes.GeneralString]: 0x1b,
  [AsnPropTypes.UniversalString]: 0x1c,
  [AsnPropTypes.CharacterString]: 0x1d,
  [AsnPropTypes.BmpString]: 0x1e,
};

function universalTagOf(type: Target): number | undefined {
  return typeof type === "number" ? UNIVERSAL_TAGS[type] : undefined;
}

function decodePrimitive(element: DerElement, type: AsnPropTypes, converter?: IAsnConverter): unknown {
  const expected = universalTagOf(type);
  if (expected !== undefined && element.tag !== expected) throw new DecodeError(`expected ${AsnPropTypes[type]}, found tag 0x${element.tag.toString(16)}`);
  const contents = derContents(element);
  switch (converter) {
    case undefined:
    case AsnAnyConverter:
      if (type === AsnPropTypes.Any) {
        if (element.tag !== 0x05) return copy(derEncoding(element));
        if (contents.length !== 0) throw new DecodeError("NULL has no contents");
        return null;
      }
      break;
    case AsnIntegerArrayBufferConverter:
      return copy(minimalInteger(contents));
    case AsnIntegerConverter:
      minimalInteger(contents);
      boundedNumber(contents);
      return contents.length >= 4 ? signedBigInt(contents).toString() : Number(signedBigInt(contents));
    case AsnIntegerBigIntConverter:
      // An iteration count, a key length (RFC 4211 §4.4, RFC 8018 §A.2): two's complement as a bigint, as asn1js's toBigInt reads it.
      return signedBigInt(minimalInteger(contents));
    case AsnEnumeratedConverter:
      minimalInteger(contents);
      boundedNumber(contents);
      return Number(signedBigInt(contents));
    case AsnBooleanConverter:
      if (contents.length !== 1 || (contents[0] !== 0 && contents[0] !== 0xff)) throw new DecodeError("a DER BOOLEAN is one octet, 00 or FF");
      return contents[0] === 0xff;
    case AsnNullConverter:
      if (contents.length !== 0) throw new DecodeError("NULL has no contents");
      return null;
    case AsnOctetStringConverter:
      primitive(element);
      return copy(contents);
    case AsnBitStringConverter:
      return copy(bitStringBits(element).bits);
    case AsnObjectIdentifierConverter:
      return objectIdentifier(contents);
    case AsnUtf8StringConverter:
      primitive(element);
      return utf8(contents);
    case AsnIpConverter:
      // asn1-x509's own text for the address (its IpConverter, not exported), read from the octets as AsnOctetStringConverter gives them.
      primitive(element);
      return AsnIpConverter.fromASN({ valueBlock: { valueHexView: contents.slice() } } as never);
    case AsnUTCTimeConverter:
    case AsnGeneralizedTimeConverter: {
      const date = derTime(contents, converter === AsnUTCTimeConverter);
      // X.690 §11.7, §11.8 (RFC 5280 §4.1.2.5): a DER time has one form; asn1js would read another as some other instant.
      if (!date) throw new DecodeError(`${latin1(contents)} is not a DER ${converter === AsnUTCTimeConverter ? "UTCTime" : "GeneralizedTime"}`);
      return date;
    }
  }
  const text = converter && stringOf(element, converter);
  if (text !== undefined) return text;
  throw new DecodeError(`no DER reader for ${AsnPropTypes[type] ?? type}`);
}

/** A character string through its converter (der_strings.ts); undefined when `converter` is no string converter. */
function stringOf(element: DerElement, converter: IAsnConverter): string | undefined {
  if (!SINGLE_OCTET_STRINGS.has(converter) && !WIDE_STRINGS.has(converter)) return undefined;
  // X.690 §10.2: DER encodes strings primitively.
  primitive(element);
  const contents = derContents(element);
  if (SINGLE_OCTET_STRINGS.has(converter)) return latin1(contents);
  return WIDE_STRINGS.get(converter) === BMP_STRING ? decodeBmpString(contents) : decodeUniversalString(contents);
}

function decodeOctetStringClass(element: DerElement, target: new () => OctetString): OctetString {
  if (element.tag !== 0x04) throw new DecodeError("expected an OCTET STRING");
  const value = new target();
  value.buffer = copy(derContents(element));
  return value;
}

function decodeBitStringClass(element: DerElement, target: new () => BitString): BitString {
  if (element.tag !== 0x03) throw new DecodeError("expected a BIT STRING");
  const { unusedBits, bits } = bitStringBits(element);
  const value = new target();
  value.unusedBits = unusedBits;
  value.value = copy(bits);
  return value;
}

function bitStringBits(element: DerElement): { unusedBits: number; bits: Uint8Array } {
  primitive(element);
  const contents = derContents(element);
  if (contents.length === 0) throw new DecodeError("a BIT STRING has at least its unused-bits octet");
  const unusedBits = contents[0]!;
  if (unusedBits > 7 || (contents.length === 1 && unusedBits !== 0)) throw new DecodeError("BIT STRING unused bits out of range");
  // X.690 §11.2.1: the unused bits are zero in DER.
  if (unusedBits > 0 && (contents[contents.length - 1]! & ((1 << unusedBits) - 1)) !== 0) throw new DecodeError("BIT STRING unused bits are not zero");
  return { unusedBits, bits: contents.subarray(1) };
}

function primitive(element: DerElement): void {
  // X.690 §10.2: DER encodes strings primitively.
  if (element.tag & 0x20) throw new DecodeError("a constructed string is BER, not DER");
}

/** X.690 §8.3.2: no leading 00 before a clear top bit, no leading FF before a set one. */
function minimalInteger(contents: Uint8Array): Uint8Array {
  if (contents.length === 0) throw new DecodeError("an INTEGER has at least one octet");
  if (contents.length > 1 && ((contents[0] === 0 && !(contents[1]! & 0x80)) || (contents[0] === 0xff && contents[1]! & 0x80))) {
    throw new DecodeError("INTEGER not in its minimal form");
  }
  return contents;
}

/**
 * An INTEGER read as a number (a version, a certReqId, an iteration count)
 * is short; one of thousands of octets is no such field's value, and turning
 * it into decimal would cost time that grows with the square of its length.
 * Serials, moduli and the like are read as bytes (AsnIntegerArrayBufferConverter).
 */
function boundedNumber(contents: Uint8Array): void {
  if (contents.length > 64) throw new DecodeError(`an INTEGER of ${contents.length} octets where a number is expected`);
}

function signedBigInt(contents: Uint8Array): bigint {
  let hex = "";
  for (const octet of contents) hex += octet.toString(16).padStart(2, "0");
  let value = BigInt(`0x${hex}`);
  if (contents[0]! & 0x80) value -= 1n << BigInt(8 * contents.length);
  return value;
}

/** Dotted decimal, arcs minimal (X.690 §8.19.2). */
function objectIdentifier(contents: Uint8Array): string {
  // The same few dozen OIDs come again and again: their text is kept by their octets (bounded).
  const key = contents.length <= 32 ? latin1(contents) : undefined;
  const known = key === undefined ? undefined : oidTexts.get(key);
  if (known !== undefined) return known;
  const text = objectIdentifierText(contents);
  if (key !== undefined) {
    if (oidTexts.size >= 4096) oidTexts.clear();
    oidTexts.set(key, text);
  }
  return text;
}

const oidTexts = new Map<string, string>();

function objectIdentifierText(contents: Uint8Array): string {
  if (contents.length === 0) throw new DecodeError("an OBJECT IDENTIFIER has at least one octet");
  const arcs: string[] = [];
  let value = 0n;
  let first = true;
  for (let index = 0; index < contents.length; index++) {
    const octet = contents[index]!;
    if (value === 0n && octet === 0x80) throw new DecodeError("OBJECT IDENTIFIER arc not in its minimal form");
    value = (value << 7n) | BigInt(octet & 0x7f);
    if (octet & 0x80) continue;
    if (first) {
      const top = value < 40n ? 0n : value < 80n ? 1n : 2n;
      arcs.push(top.toString(), (value - top * 40n).toString());
      first = false;
    } else {
      arcs.push(value.toString());
    }
    value = 0n;
  }
  if (contents[contents.length - 1]! & 0x80) throw new DecodeError("OBJECT IDENTIFIER cut off");
  return arcs.join(".");
}

/** DER times (X.690 §11.7, §11.8; RFC 5280 §4.1.2.5): UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSS[.f]Z; undefined for another form (refused). */
function derTime(contents: Uint8Array, utc: boolean): Date | undefined {
  if (contents.length > 32) throw new DecodeError("a time of more than 32 octets");
  const text = latin1(contents);
  const match = utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d*[1-9])?Z$/.exec(text);
  if (!match) return undefined;
  let year = Number(match[1]);
  if (utc) year += year < 50 ? 2000 : 1900;
  const milliseconds = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  const [month, day, hours, minutes, seconds] = [2, 3, 4, 5, 6].map((group) => Number(match[group]));
  const date = new Date(Date.UTC(year, month! - 1, day, hours, minutes, seconds, milliseconds));
  // Date.UTC takes a year 0-99 as 1900-1999; GeneralizedTime 0026 is the year 26 (asn1js reads 1926).
  if (year < 100) date.setUTCFullYear(year);
  // Date.UTC rolls month 13 or 31 February over; DER has no such times.
  if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day || date.getUTCHours() !== hours || date.getUTCMinutes() !== minutes || date.getUTCSeconds() !== seconds) {
    throw new DecodeError(`${text} is not a time`);
  }
  return date;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF8String contents must be UTF-8 (X.680 §41; RFC 5280 §4.1.2.4): anything else is refused, not repaired. */
function utf8(contents: Uint8Array): string {
  try {
    return UTF8.decode(contents);
  } catch {
    throw new DecodeError("a UTF8String that is not UTF-8");
  }
}

function copy(view: Uint8Array): ArrayBuffer {
  return view.slice().buffer;
}
