import { AsnTypeTypes, BitString, OctetString, defaultConverter, type IAsnConverter } from "@peculiar/asn1-schema";
import { bufferView, writeBitStringClass, writeOctetStringClass, writePrimitive } from "./der_encoder_primitives.js";
import { EncodedDer } from "./encoded_der.js";
import { DerWriter } from "./der_writer.js";
import { schemaOf, type Schema, type SchemaItem } from "./schema_metadata.js";
import { typeName } from "./type_name.js";

/**
 * Encode a schema object as DER, driven by the declarations its
 * @peculiar/asn1-schema decorators registered (schema_metadata.ts), without
 * building an asn1js tree: one walk over the object, octets written straight
 * into one buffer (der_writer.ts). The result is byte for byte what
 * AsnSerializer.serialize gives for the same object, including where that
 * is not what X.690 would choose (see writeArray on SET OF); the
 * differential tests (test/asn1/codec/der_encoder.test.ts) and the mutation
 * run (scripts/codec_differential.ts) hold it to that.
 *
 * It writes everything itself, never through asn1js (which the Worker
 * bundle leaves out, src/runtime/asn1js_absent.ts). What it cannot write
 * (a class that converts itself other than OctetString, BitString and
 * EncodedDer, a class without a schema, a converter of its own, a value
 * its converter cannot take, a primitive CHOICE alternative under an
 * IMPLICIT tag) is an Error where AsnSerializer went through asn1js: the
 * server encodes what it builds itself, so that is a bug, not input.
 */
export function encodeDer(value: unknown, target?: Function): Uint8Array {
  // One writer (and its buffer) serves encode after encode; an encode inside an encode (a DEFAULT compared) gets its own.
  const writer = idle ?? new DerWriter();
  idle = undefined;
  try {
    writeObject(writer, value, target);
    return writer.result();
  } finally {
    writer.reset();
    idle = writer;
  }
}

let idle: DerWriter | undefined;


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
  toASN(): unknown;
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
    throw new Error(`${typeName(value.constructor)} converts itself (toASN); the DER encoder does not write such classes`);
  }
  if (!value || typeof value !== "object") throw new TypeError("Parameter 1 should be type of Object.");
  const schema = schemaOf(target ?? value.constructor);
  // A class without a schema (or with an empty one): nothing to write it from.
  if (!schema) throw new Error(`${typeName(value.constructor)} has no ASN.1 schema to encode it by`);
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
  throw new Error(`Schema '${typeName(target)}' has wrong data. Choice cannot be empty.`);
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
  // A primitive alternative of a CHOICE under an IMPLICIT tag: X.680 §31.2.9 forbids it (the tag would hide which alternative it is).
  if (!primitive && !(tag & 0x20)) throw new Error(`[${item.context}] IMPLICIT on a CHOICE (X.680 §31.2.9 forbids it)`);
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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
