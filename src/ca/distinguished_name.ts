import { sameEncoding } from "../asn1/reencode.js";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { BY_NAME, BY_OID, OID } from "../asn1/attribute_types.js";
import { fromHex, toHex } from "../asn1/bytes.js";
import { encodeSequence, encodeTlv } from "../asn1/der.js";
import { serializeDer } from "../asn1/serialize_der.js";

export { attributeShortName, attributeTypeOid } from "../asn1/attribute_types.js";

/**
 * Distinguished names as text: RFC 4514 strings ("CN=x,O=y") and OpenSSL's
 * "/O=y/CN=x" form, to and from @peculiar/asn1-x509 Names.
 */

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/; // X.680 §41.4 PrintableString
const IA5 = /^[\x00-\x7f]*$/;

export class DistinguishedNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DistinguishedNameError";
  }
}

/** One parsed attribute before it becomes ASN.1. */
interface TextAttribute {
  type: string;
  value: string | Uint8Array; // bytes: a "#hex" BER value (RFC 4514 §2.4)
}

/**
 * Parse "CN=x,O=y" (RFC 4514) or "/O=y/CN=x" (OpenSSL -subj). RFC 4514
 * writes the RDNs last-to-first (§2.1), so "CN=x,O=y" encodes O first;
 * OpenSSL's form is in encoding order. Both give the same Name here.
 */
export function parseDistinguishedName(text: string): Name {
  const rdns = text.startsWith("/") ? parseOpenSsl(text) : parseRfc4514(text).reverse();
  return new Name(rdns.map((avas) => new RelativeDistinguishedName(avas.map(toAttributeTypeAndValue))));
}

function parseRfc4514(text: string): TextAttribute[][] {
  const rdns: TextAttribute[][] = [];
  if (text.trim() === "") return rdns;
  let position = 0;
  let rdn: TextAttribute[] = [];
  for (;;) {
    const equals = text.indexOf("=", position);
    if (equals < 0) throw new DistinguishedNameError(`missing "=" after position ${position} in "${text}"`);
    const type = text.slice(position, equals).trim();
    position = equals + 1;
    // Leading spaces before a value are separators, not data (RFC 4514 §3 "MAY").
    while (text[position] === " ") position++;
    let value: string | Uint8Array;
    if (text[position] === "#") {
      const match = /^#([0-9A-Fa-f]{2})+/.exec(text.slice(position));
      if (!match) throw new DistinguishedNameError(`bad hex value for ${type}`);
      value = fromHex(match[0].slice(1));
      position += match[0].length;
      while (text[position] === " ") position++;
    } else {
      const bytes: number[] = [];
      let keep = 0; // bytes up to here may not be trimmed (escaped or non-space)
      for (; position < text.length; position++) {
        const ch = String.fromCodePoint(text.codePointAt(position)!);
        if (ch === "," || ch === "+") break;
        if (ch === "\\") {
          const next = text[position + 1];
          if (next === undefined) throw new DistinguishedNameError(`dangling "\\" in value of ${type}`);
          if (/[0-9A-Fa-f]/.test(next)) {
            const pair = text.slice(position + 1, position + 3);
            if (!/^[0-9A-Fa-f]{2}$/.test(pair)) throw new DistinguishedNameError(`bad escape "\\${pair}" in value of ${type}`);
            bytes.push(parseInt(pair, 16));
            position += 2;
          } else {
            const escaped = String.fromCodePoint(text.codePointAt(position + 1)!);
            bytes.push(...utf8(escaped));
            position += escaped.length;
          }
          keep = bytes.length;
        } else {
          bytes.push(...utf8(ch));
          if (ch !== " ") keep = bytes.length;
          position += ch.length - 1; // a character outside the BMP is two UTF-16 units
        }
      }
      value = decodeUtf8(Uint8Array.from(bytes.slice(0, keep)), type);
    }
    rdn.push({ type, value });
    const separator = text[position];
    position++;
    if (separator === "+") continue;
    rdns.push(rdn);
    rdn = [];
    if (separator === undefined) return rdns;
    if (separator !== ",") throw new DistinguishedNameError(`unexpected "${separator}" in "${text}"`);
  }
}

/** OpenSSL's "/type=value/..." with "+" for multi-valued RDNs and "\" quoting the next character. */
function parseOpenSsl(text: string): TextAttribute[][] {
  const rdns: TextAttribute[][] = [];
  let rdn: TextAttribute[] = [];
  let field = "";
  let type: string | undefined;
  const finishAttribute = () => {
    if (type === undefined) {
      if (field === "" && rdn.length === 0) return;
      throw new DistinguishedNameError(`missing "=" in "${field}"`);
    }
    rdn.push({ type: type.trim(), value: field });
    type = undefined;
    field = "";
  };
  for (let position = 1; position < text.length; position++) {
    const ch = text[position]!;
    if (ch === "\\") {
      const next = text[++position];
      if (next === undefined) throw new DistinguishedNameError(`dangling "\\" in "${text}"`);
      field += next;
    } else if (ch === "=" && type === undefined) {
      type = field;
      field = "";
    } else if (ch === "+" && type !== undefined) {
      finishAttribute();
    } else if (ch === "/") {
      finishAttribute();
      if (rdn.length > 0) rdns.push(rdn);
      rdn = [];
    } else {
      field += ch;
    }
  }
  finishAttribute();
  if (rdn.length > 0) rdns.push(rdn);
  return rdns;
}

function toAttributeTypeAndValue(attribute: TextAttribute): AttributeTypeAndValue {
  const kind = BY_NAME.get(attribute.type.toLowerCase()) ?? (OID.test(attribute.type) ? BY_OID.get(attribute.type) : undefined);
  const oid = kind?.oid ?? (OID.test(attribute.type) ? attribute.type : undefined);
  if (oid === undefined) throw new DistinguishedNameError(`unknown attribute type "${attribute.type}"`);
  if (attribute.value instanceof Uint8Array) {
    return new AttributeTypeAndValue({ type: oid, value: new AttributeValue({ anyValue: toArrayBuffer(attribute.value) }) });
  }
  const text = attribute.value;
  // DirectoryString is SIZE (1..MAX) (RFC 5280 Appendix A).
  if (text === "") throw new DistinguishedNameError(`empty value for ${attribute.type}`);
  const encoding = kind?.encoding ?? "utf8";
  if (encoding === "printable" && !PRINTABLE.test(text)) {
    throw new DistinguishedNameError(`${attribute.type} must be a PrintableString: "${text}"`);
  }
  if (encoding === "ia5" && !IA5.test(text)) throw new DistinguishedNameError(`${attribute.type} must be ASCII: "${text}"`);
  const value =
    encoding === "printable"
      ? new AttributeValue({ printableString: text })
      : encoding === "ia5"
        ? new AttributeValue({ ia5String: text })
        : new AttributeValue({ utf8String: text });
  return new AttributeTypeAndValue({ type: oid, value });
}

/**
 * RFC 4514 string of a Name: RDNs last-to-first (§2.1), short names where
 * known, dotted OIDs otherwise (§2.3), values escaped per §2.4, and
 * non-string values as "#" and the hex of their BER encoding.
 */
export function formatDistinguishedName(name: Name): string {
  const rdns: string[] = [];
  for (let index = name.length - 1; index >= 0; index--) {
    const avas = [...name[index]!].map((ava) => `${BY_OID.get(ava.type)?.name ?? ava.type}=${formatValue(ava.value)}`);
    rdns.push(avas.join("+"));
  }
  return rdns.join(",");
}

function formatValue(value: AttributeValue): string {
  const text =
    value.utf8String ?? value.printableString ?? value.ia5String ?? value.bmpString ?? value.universalString ?? value.teletexString;
  if (text === undefined) {
    return value.anyValue ? `#${toHex(new Uint8Array(value.anyValue))}` : "";
  }
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const ch = text[index]!;
    if ('"+,;<>\\'.includes(ch)) out += `\\${ch}`;
    else if (ch === "\0") out += "\\00";
    else if ((ch === " " || ch === "#") && index === 0) out += `\\${ch}`;
    else if (ch === " " && index === text.length - 1) out += "\\ ";
    else out += ch;
  }
  return out;
}

/**
 * Whether two Names are the same for this CA's checks: as RFC 4514 strings,
 * case-insensitively (close to RFC 5280 §7.1 without full LDAP string
 * preparation), or, for a value that cannot be written as text, byte for
 * byte as DER.
 */
export function sameDistinguishedName(a: Name, b: Name): boolean {
  try {
    return formatDistinguishedName(a).toLowerCase() === formatDistinguishedName(b).toLowerCase();
  } catch {
    return sameEncoding(a, b);
  }
}

/**
 * DER of a Name. The schema serializer writes a multi-valued RDN's SET OF
 * in the given order; DER wants the elements sorted by their encodings
 * (X.690 §11.6), so each RDN is assembled here.
 */
export function encodeName(name: Name): Uint8Array {
  const rdns = [...name].map((rdn) => {
    const avas = [...rdn].map((ava) => serializeDer(ava));
    if (avas.length > 1) avas.sort(compareBytes);
    return encodeTlv(0x31, avas);
  });
  return encodeSequence(rdns);
}

/** Whether the Name has no RDN at all (the empty subject of RFC 5280 §4.1.2.6). */
export function isEmptyName(name: Name | Uint8Array): boolean {
  return name instanceof Uint8Array ? name.length === 2 && name[0] === 0x30 && name[1] === 0 : name.length === 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return a.length - b.length;
}

const encoder = new TextEncoder();
function utf8(ch: string): Uint8Array {
  return encoder.encode(ch);
}

function decodeUtf8(bytes: Uint8Array, type: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DistinguishedNameError(`value of ${type} is not UTF-8`);
  }
}



function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

