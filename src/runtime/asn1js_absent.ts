/**
 * Stands in for asn1js in the Worker bundle (wrangler.toml [alias]). The
 * project's own DER codec (src/asn1/codec/) reads and writes every
 * structure the Worker handles, so asn1js (about 60 KB, and pvtsutils and
 * pvutils with it) is never called there; @peculiar/asn1-schema still
 * imports it, and its converters module reads these names as it is
 * evaluated (createStringConverter(asn1js.Utf8String) and the like), so
 * each name asn1-schema uses exists. Calling any of them (AsnParser,
 * AsnSerializer, AsnConvert, a converter's toASN/fromASN) throws, naming
 * what was called: a path that still needs asn1js is a bug to fix in the
 * codec, not something to paper over. Node (the CLI, Lambda, the tests)
 * keeps the real asn1js. test/runtime/worker_bundle.test.ts checks the
 * built bundle holds this module and no asn1js.
 */

const MARKER = "asn1js is not in the Worker bundle";

function absent(what: string): never {
  throw new Error(`${MARKER} (asn1js.${what} was called): decode and encode through src/asn1/codec instead`);
}

/** A class that cannot be constructed; `instanceof` against it is simply false. */
function absentClass(what: string): new (...args: unknown[]) => object {
  return class {
    constructor() {
      absent(what);
    }
  };
}

export const Any = absentClass("Any");
export const BaseBlock = absentClass("BaseBlock");
export const BitString = absentClass("BitString");
export const BmpString = absentClass("BmpString");
export const Boolean = absentClass("Boolean");
export const CharacterString = absentClass("CharacterString");
export const Choice = absentClass("Choice");
export const Constructed = absentClass("Constructed");
export const Enumerated = absentClass("Enumerated");
export const GeneralString = absentClass("GeneralString");
export const GeneralizedTime = absentClass("GeneralizedTime");
export const GraphicString = absentClass("GraphicString");
export const IA5String = absentClass("IA5String");
export const Integer = absentClass("Integer");
export const Null = absentClass("Null");
export const NumericString = absentClass("NumericString");
export const ObjectIdentifier = absentClass("ObjectIdentifier");
export const OctetString = absentClass("OctetString");
export const Primitive = absentClass("Primitive");
export const PrintableString = absentClass("PrintableString");
export const RelativeObjectIdentifier = absentClass("RelativeObjectIdentifier");
export const Repeated = absentClass("Repeated");
export const Sequence = absentClass("Sequence");
export const Set = absentClass("Set");
export const TeletexString = absentClass("TeletexString");
export const UTCTime = absentClass("UTCTime");
export const UniversalString = absentClass("UniversalString");
export const Utf8String = absentClass("Utf8String");
export const VideotexString = absentClass("VideotexString");
export const VisibleString = absentClass("VisibleString");

export function fromBER(): never {
  return absent("fromBER");
}

export function compareSchema(): never {
  return absent("compareSchema");
}
