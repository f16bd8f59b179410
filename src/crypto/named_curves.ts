import { fromHex, toHex } from "../asn1/bytes.js";
import { OID } from "./algorithms.js";

/** The EC curves Jellyfish signs, verifies and certifies keys on. */
export interface NamedCurve {
  /** The WebCrypto name, also the profile's key type. */
  name: "P-256" | "P-384" | "P-521";
  oid: string;
  /** Octets of one coordinate (and of r or s in a signature). */
  fieldBytes: number;
}

const CURVES: readonly (NamedCurve & { der: string })[] = [
  // der: the namedCurve OBJECT IDENTIFIER's DER (RFC 5480 §2.1.1.1).
  { name: "P-256", oid: OID.secp256r1, fieldBytes: 32, der: "06082a8648ce3d030107" },
  { name: "P-384", oid: OID.secp384r1, fieldBytes: 48, der: "06052b81040022" },
  { name: "P-521", oid: OID.secp521r1, fieldBytes: 66, der: "06052b81040023" },
];
const BY_DER = new Map(CURVES.map(({ der, ...curve }) => [der, curve]));

/**
 * The curve an id-ecPublicKey's parameters name: ECParameters is a CHOICE
 * whose one PKIX alternative, namedCurve, is exactly the OID's TLV
 * (RFC 5480 §2.1.1), so the bytes are looked up as they are. Undefined for
 * anything else (another curve, implicitCurve, specifiedCurve, no parameters).
 */
export function namedCurveOfParameters(parameters: ArrayBuffer | null | undefined): NamedCurve | undefined {
  return parameters ? BY_DER.get(toHex(new Uint8Array(parameters))) : undefined;
}

/** The namedCurve ECParameters of a curve, DER (RFC 5480 §2.1.1): the parameters of its id-ecPublicKey. */
export function namedCurveParameters(name: NamedCurve["name"]): Uint8Array {
  const curve = CURVES.find((candidate) => candidate.name === name)!;
  return fromHex(curve.der);
}
