import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { OneAsymmetricKey } from "../asn1/asymmetric_key_package.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { OID } from "./algorithms.js";
import { namedCurveOfParameters } from "./named_curves.js";

/**
 * Whether a private key (PKCS #8) is the other half of a public key (DER
 * SubjectPublicKeyInfo): WebCrypto exports a private key's public
 * parameters in its JWK (n and e; the curve point x, y; Ed25519's x), which
 * are compared with the public key's. False for keys of different types or
 * that do not import.
 */
export async function privateKeyMatches(privateKeyInfo: Uint8Array, spki: Uint8Array): Promise<boolean> {
  try {
    const algorithm = importAlgorithm(decodeDer(privateKeyInfo, OneAsymmetricKey).privateKeyAlgorithm);
    const publicAlgorithm = importAlgorithm(decodeDer(spki, SubjectPublicKeyInfo).algorithm);
    if (!algorithm || !publicAlgorithm || JSON.stringify(algorithm) !== JSON.stringify(publicAlgorithm)) return false;
    const privateKey = await crypto.subtle.importKey("pkcs8", privateKeyInfo, algorithm, true, ["sign"]);
    const publicKey = await crypto.subtle.importKey("spki", spki, algorithm, true, ["verify"]);
    const [a, b] = (await Promise.all([crypto.subtle.exportKey("jwk", privateKey), crypto.subtle.exportKey("jwk", publicKey)])) as Record<string, string>[];
    const fields = ["n", "e", "x", "y", "crv"];
    return fields.every((field) => a![field] === b![field]) && fields.some((field) => a![field] !== undefined);
  } catch {
    return false;
  }
}

function importAlgorithm(algorithm: AlgorithmIdentifier): { name: string; hash?: string; namedCurve?: string } | undefined {
  if (algorithm.algorithm === OID.rsaEncryption) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  if (algorithm.algorithm === OID.ed25519) return { name: "Ed25519" };
  if (algorithm.algorithm === OID.ecPublicKey) {
    const curve = namedCurveOfParameters(algorithm.parameters);
    return curve ? { name: "ECDSA", namedCurve: curve.name } : undefined;
  }
  return undefined;
}
