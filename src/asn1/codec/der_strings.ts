import {
  AsnBmpStringConverter,
  AsnCharacterStringConverter,
  AsnGeneralStringConverter,
  AsnGraphicStringConverter,
  AsnIA5StringConverter,
  AsnNumericStringConverter,
  AsnPrintableStringConverter,
  AsnTeletexStringConverter,
  AsnUniversalStringConverter,
  AsnVideotexStringConverter,
  AsnVisibleStringConverter,
  type IAsnConverter,
} from "@peculiar/asn1-schema";
import { DecodeError } from "../decode_error.js";

/**
 * The character string types other than UTF8String (X.680 §41), as
 * asn1-schema's converters hold them: a JavaScript string. The codec reads
 * and writes them itself, as asn1js did for it, so that a Name with a
 * BMPString or TeletexString (DirectoryString, RFC 5280 §4.1.2.4) needs no
 * second ASN.1 library.
 */

/** The one-octet-per-character types, by converter: each octet is one character (Latin-1), the alphabet not checked, as asn1js reads and writes them. */
export const SINGLE_OCTET_STRINGS = new Map<IAsnConverter, number>([
  [AsnNumericStringConverter, 0x12],
  [AsnPrintableStringConverter, 0x13],
  [AsnTeletexStringConverter, 0x14],
  [AsnVideotexStringConverter, 0x15],
  [AsnIA5StringConverter, 0x16],
  [AsnGraphicStringConverter, 0x19],
  [AsnVisibleStringConverter, 0x1a],
  [AsnGeneralStringConverter, 0x1b],
  [AsnCharacterStringConverter, 0x1d],
]);

export const BMP_STRING = 0x1e;
export const UNIVERSAL_STRING = 0x1c;

/** The string converters with a wider encoding: BMPString (two octets a character) and UniversalString (four). */
export const WIDE_STRINGS = new Map<IAsnConverter, number>([
  [AsnBmpStringConverter, BMP_STRING],
  [AsnUniversalStringConverter, UNIVERSAL_STRING],
]);

/** One character per octet, without spreading a long string into arguments. */
export function latin1(contents: Uint8Array): string {
  let text = "";
  for (let start = 0; start < contents.length; start += 8192) text += String.fromCharCode.apply(null, contents.subarray(start, start + 8192) as unknown as number[]);
  return text;
}

/**
 * BMPString: UCS-2, two octets a character, big-endian (X.680 §41.16),
 * read unit by unit as asn1js reads it. An odd length is no BMPString.
 */
export function decodeBmpString(contents: Uint8Array): string {
  if (contents.length % 2) throw new DecodeError("a BMPString of an odd number of octets");
  let text = "";
  for (let index = 0; index < contents.length; index += 2) text += String.fromCharCode((contents[index]! << 8) | contents[index + 1]!);
  return text;
}

/**
 * UniversalString: UCS-4, four octets a character, big-endian (X.680
 * §41.16). A character beyond U+FFFF is refused: asn1js kept only its low
 * 16 bits, and giving it another character than the one sent would be worse
 * than not reading it (a Name is compared and copied into certificates).
 */
export function decodeUniversalString(contents: Uint8Array): string {
  if (contents.length % 4) throw new DecodeError("a UniversalString whose length is not a multiple of four");
  let text = "";
  for (let index = 0; index < contents.length; index += 4) {
    if (contents[index] !== 0 || contents[index + 1] !== 0) throw new DecodeError("a UniversalString character beyond U+FFFF");
    text += String.fromCharCode((contents[index + 2]! << 8) | contents[index + 3]!);
  }
  return text;
}

/** BMPString contents: each UTF-16 code unit as two octets, big-endian, as asn1js writes them. */
export function bmpStringOctets(text: string): Uint8Array {
  const octets = new Uint8Array(text.length * 2);
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    octets[index * 2] = unit >> 8;
    octets[index * 2 + 1] = unit & 0xff;
  }
  return octets;
}

/** UniversalString contents: each UTF-16 code unit as four octets, big-endian, as asn1js writes them (and decodeUniversalString reads them back). */
export function universalStringOctets(text: string): Uint8Array {
  const octets = new Uint8Array(text.length * 4);
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    octets[index * 4 + 2] = unit >> 8;
    octets[index * 4 + 3] = unit & 0xff;
  }
  return octets;
}
