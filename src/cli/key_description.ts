import { parseOperatorDer } from "../asn1/parse_operator_der.js";
import { RSAPublicKey } from "../asn1/rsa.js";
import { SubjectPublicKeyInfo, type AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { namedCurveOfParameters } from "../crypto/named_curves.js";

/**
 * Keys and signature algorithms by the names operators know ("ECDSA P-256",
 * "ecdsa-with-SHA256"), for what `ca init` prints. Unknown ones show as OIDs.
 */

const SIGNATURES: ReadonlyMap<string, string> = new Map([
  ["1.2.840.10045.4.3.2", "ecdsa-with-SHA256"],
  ["1.2.840.10045.4.3.3", "ecdsa-with-SHA384"],
  ["1.2.840.10045.4.3.4", "ecdsa-with-SHA512"],
  ["1.2.840.113549.1.1.11", "sha256WithRSAEncryption"],
  ["1.2.840.113549.1.1.12", "sha384WithRSAEncryption"],
  ["1.2.840.113549.1.1.13", "sha512WithRSAEncryption"],
  ["1.2.840.113549.1.1.10", "RSASSA-PSS"],
  ["1.3.101.112", "Ed25519"],
]);

/** "ECDSA P-256", "RSA 3072", "Ed25519", or the key algorithm's OID. */
export function describePublicKey(spkiDer: Uint8Array): string {
  const spki = parseOperatorDer(spkiDer, SubjectPublicKeyInfo, "the public key");
  const { algorithm, parameters } = spki.algorithm;
  switch (algorithm) {
    case "1.2.840.10045.2.1": {
      const curve = namedCurveOfParameters(parameters)?.name;
      return `ECDSA ${curve ?? "(unknown curve)"}`;
    }
    case "1.2.840.113549.1.1.1":
    case "1.2.840.113549.1.1.10": {
      const modulus = new Uint8Array(parseOperatorDer(spki.subjectPublicKey, RSAPublicKey, "the RSA public key").modulus);
      // INTEGER contents: a leading 0x00 only keeps the value positive.
      const bits = (modulus[0] === 0 ? modulus.length - 1 : modulus.length) * 8;
      return `RSA ${bits}`;
    }
    case "1.3.101.112":
      return "Ed25519";
    default:
      return algorithm;
  }
}

export function describeSignatureAlgorithm(algorithm: AlgorithmIdentifier): string {
  return SIGNATURES.get(algorithm.algorithm) ?? algorithm.algorithm;
}

/** "AB:CD:…", as openssl prints key identifiers. */
export function colonHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

