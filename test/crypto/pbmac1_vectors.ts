import { encodeTlv } from "../../src/asn1/der.js";
import { fromHex } from "./der.js";

/**
 * PBMAC1 AlgorithmIdentifiers built byte by byte from RFC 8018 Appendix A.2
 * and A.5, independently of src/asn1/pbmac1.ts (OpenSSL 3.0 does not make
 * PBMAC1 for CMP).
 */
export const OID_DER = {
  pbmac1: fromHex("06092a864886f70d01050e"),
  pbkdf2: fromHex("06092a864886f70d01050c"),
  pbes2: fromHex("06092a864886f70d01050d"),
  hmacWithSHA1: fromHex("06082a864886f70d0207"),
  hmacWithSHA224: fromHex("06082a864886f70d0208"),
  hmacWithSHA256: fromHex("06082a864886f70d0209"),
  hmacWithSHA384: fromHex("06082a864886f70d020a"),
  hmacWithSHA512: fromHex("06082a864886f70d020b"),
  sha256: fromHex("0609608648016503040201"),
} as const;

export type HmacName = "hmacWithSHA1" | "hmacWithSHA224" | "hmacWithSHA256" | "hmacWithSHA384" | "hmacWithSHA512";

export interface Pbmac1Vector {
  salt: Uint8Array;
  iterationCount: number;
  keyLength?: number;
  /** undefined: prf omitted (DEFAULT hmacWithSHA1). */
  prf?: HmacName;
  /** Encode prf/mac parameters as NULL (RFC 8018) rather than absent. */
  nullParams?: boolean;
  mac: HmacName;
  /** Replace the salt CHOICE with otherSource. */
  otherSourceSalt?: boolean;
  /** keyDerivationFunc's OID: "pbkdf2" (RFC 8018 A.5, the default) or "pbes2" (Bouncy Castle's JcePBMac1CalculatorBuilder). */
  kdf?: "pbkdf2" | "pbes2";
}

export function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return encodeTlv(0x02, [Uint8Array.from(bytes)]);
}

function hmacAlgId(name: HmacName, nullParams: boolean): Uint8Array {
  return encodeTlv(0x30, nullParams ? [OID_DER[name], fromHex("0500")] : [OID_DER[name]]);
}

/** DER of PBKDF2-params. */
export function pbkdf2ParamsDer(v: Pbmac1Vector): Uint8Array {
  const salt = v.otherSourceSalt ? encodeTlv(0x30, [OID_DER.sha256]) : encodeTlv(0x04, [v.salt]);
  return encodeTlv(
    0x30,
    [
      salt,
      derInteger(v.iterationCount),
      v.keyLength === undefined ? new Uint8Array(0) : derInteger(v.keyLength),
      v.prf === undefined ? new Uint8Array(0) : hmacAlgId(v.prf, v.nullParams ?? true),
    ],
  );
}

/** DER of PBMAC1-params. */
export function pbmac1ParamsDer(v: Pbmac1Vector): Uint8Array {
  return encodeTlv(0x30, [encodeTlv(0x30, [OID_DER[v.kdf ?? "pbkdf2"], pbkdf2ParamsDer(v)]), hmacAlgId(v.mac, v.nullParams ?? true)]);
}

/** DER of the whole protectionAlg AlgorithmIdentifier. */
export function pbmac1AlgorithmIdentifierDer(v: Pbmac1Vector): Uint8Array {
  return encodeTlv(0x30, [OID_DER.pbmac1, pbmac1ParamsDer(v)]);
}

export const NODE_HASH_OF: Record<HmacName, string> = {
  hmacWithSHA1: "sha1",
  hmacWithSHA224: "sha224",
  hmacWithSHA256: "sha256",
  hmacWithSHA384: "sha384",
  hmacWithSHA512: "sha512",
};
