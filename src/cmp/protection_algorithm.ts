import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import { OID, isKnownSignatureAlgorithm, signatureAlgorithm } from "../crypto/algorithms.js";
import { isMacProtection } from "../crypto/mac_protection.js";

/**
 * MAC algorithms that RFC 9481 §6.2 lets stand in protectionAlg keyed
 * directly with a shared symmetric key, which RFC 9481 §9 then requires to
 * have entropy enough for the profile's security level. Jellyfish's shared
 * secrets are passwords and enrollment codes, with no such guarantee; so
 * they are used only through a key derivation, as PasswordBasedMac or
 * PBMAC1 (RFC 9481 §6.1), and a bare MAC OID is refused with a reason that
 * says so.
 */
const BARE_MACS: ReadonlyMap<string, string> = new Map([
  [OID.hmacMd5, "HMAC-MD5"],
  [OID.hmacSha1, "HMAC-SHA1"],
  [OID.hmacWithSHA1, "hmacWithSHA1"],
  [OID.hmacWithSHA224, "hmacWithSHA224"],
  [OID.hmacWithSHA256, "hmacWithSHA256"],
  [OID.hmacWithSHA384, "hmacWithSHA384"],
  [OID.hmacWithSHA512, "hmacWithSHA512"],
  [OID.hmacWithSHA3_224, "id-hmacWithSHA3-224"],
  [OID.hmacWithSHA3_256, "id-hmacWithSHA3-256"],
  [OID.hmacWithSHA3_384, "id-hmacWithSHA3-384"],
  [OID.hmacWithSHA3_512, "id-hmacWithSHA3-512"],
  [OID.kmacWithShake128, "id-KMACWithSHAKE128"],
  [OID.kmacWithShake256, "id-KMACWithSHAKE256"],
  [OID.aes128Gmac, "id-aes128-GMAC"],
  [OID.aes192Gmac, "id-aes192-GMAC"],
  [OID.aes256Gmac, "id-aes256-GMAC"],
]);

const USE_INSTEAD = "use PasswordBasedMac or PBMAC1 (RFC 9481 §6.1) with the shared secret, or a signature";

/**
 * Which verification a request's protectionAlg calls for (RFC 9810 §5.1.3):
 * a password-based MAC (PBM, PBMAC1) or a signature algorithm Jellyfish
 * verifies. Anything else is refused here, before a secret is looked up or
 * a certificate path is built, with badAlg naming the OID (RFC 9810 §5.2.3:
 * "unrecognized or unsupported algorithm identifier"): a bare MAC, DHBasedMac,
 * an unknown OID, a known signature we refuse (SHA-1, MD5, ...). Signature
 * parameters that are not DER (RSASSA-PSS) are badDataFormat; a MAC's
 * parameters are checked when its key is derived (mac_protection.ts).
 */
export function protectionKind(protectionAlg: AlgorithmIdentifier): "mac" | "signature" {
  const oid = protectionAlg.algorithm;
  if (isMacProtection(protectionAlg)) return "mac";
  const bareMac = BARE_MACS.get(oid);
  if (bareMac) {
    throw new CmpError("badAlg", `protectionAlg ${oid} (${bareMac}) is a MAC without a key derivation, which this server does not run; ${USE_INSTEAD}`);
  }
  if (oid === OID.dhBasedMac) {
    throw new CmpError("badAlg", `protectionAlg ${oid} (DHBasedMac) is not supported; ${USE_INSTEAD}`);
  }
  if (!isKnownSignatureAlgorithm(oid)) {
    throw new CmpError("badAlg", `protectionAlg ${oid} is neither a supported MAC nor a supported signature algorithm; ${USE_INSTEAD}`);
  }
  try {
    signatureAlgorithm(protectionAlg);
  } catch (error) {
    if (error instanceof CmpError) throw new CmpError(error.failInfo, `protectionAlg ${oid}: ${error.message}`, { cause: error });
    throw error;
  }
  return "signature";
}
