import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { PBMParameter, id_PasswordBasedMac } from "../asn1/pbm.js";
import { PBKDF2Params, PBKDF2Salt, PBMAC1Params, id_PBKDF2, id_PBMAC1 } from "../asn1/pbmac1.js";
import { OID } from "../crypto/algorithms.js";
import { MIN_ITERATIONS } from "../crypto/iteration_count.js";
import { prepareMac, type MacKey } from "../crypto/mac_protection.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";

/**
 * The protectionAlg of our MAC-protected messages, with a fresh salt each
 * message (RFC 9810 §5.1.3.1: the salt keeps keys of different messages
 * apart), and the key derived from it by the same code the server uses.
 *
 * Defaults follow RFC 9481: SHA-256 as PBM's one-way function and
 * HMAC-SHA256 as MAC (§6.1.1, §6.2.1; the Lightweight CMP profile's
 * 128-bit row of §7); PBMAC1 with PBKDF2-HMAC-SHA256 and HMAC-SHA256
 * (§6.1.2, §4.4.1). Iterations: PBM's chain of hashes runs one awaited
 * digest per round on the server, so 1 000 (RFC 4211 §4.4 asks at least
 * 100; OpenSSL sends 500); PBKDF2 is one native call, so 10 000 (RFC 8018
 * §4.2 asks at least 1 000). Both stay below 100 000, the largest count
 * OpenSSL, Jellyfish and Workers' PBKDF2 accept.
 */
export const MAC_DEFAULT_ITERATIONS = { pbm: 1_000, pbmac1: 10_000 } as const;

/** The largest iteration count we send or accept (OpenSSL's OSSL_CRMF_PBM_MAX_ITERATION_COUNT). */
export const MAC_MAX_ITERATIONS = 100_000;

const SALT_BYTES = 16;
const HMAC_SHA256_KEY_BYTES = 32;

export function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAC_MAX_ITERATIONS) {
    throw new RangeError(`MAC iterations must be an integer in ${MIN_ITERATIONS}..${MAC_MAX_ITERATIONS}, not ${iterations}`);
  }
}

/** A fresh protectionAlg and its key, for one outgoing message. */
export async function newMacKey(
  algorithm: "pbm" | "pbmac1",
  secret: Uint8Array,
  iterations: number,
  randomBytes: (length: number) => Uint8Array,
): Promise<MacKey> {
  const salt = randomBytes(SALT_BYTES);
  const protectionAlg = algorithm === "pbm" ? pbmAlgorithm(salt, iterations) : pbmac1Algorithm(salt, iterations);
  return prepareMac(protectionAlg, secret, MAC_MAX_ITERATIONS);
}

/** PasswordBasedMac with PBMParameter (RFC 4211 §4.4). */
function pbmAlgorithm(salt: Uint8Array, iterations: number): AlgorithmIdentifier {
  const parameters = new PBMParameter({
    salt: toArrayBuffer(salt),
    // RFC 5754 §2: SHA-2 parameters absent; RFC 8018 Appendix B.1: HMAC parameters NULL.
    owf: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
    iterationCount: BigInt(iterations),
    mac: new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null }),
  });
  return new AlgorithmIdentifier({ algorithm: id_PasswordBasedMac, parameters: serializeDerBuffer(parameters) });
}

/** PBMAC1 with PBKDF2 (RFC 8018 Appendix A.5, A.2): keyLength spelled out, the HMAC key length (RFC 2104 §3). */
function pbmac1Algorithm(salt: Uint8Array, iterations: number): AlgorithmIdentifier {
  const hmacSha256 = () => new AlgorithmIdentifier({ algorithm: OID.hmacWithSHA256, parameters: null });
  const pbkdf2 = new PBKDF2Params({
    salt: new PBKDF2Salt({ specified: toArrayBuffer(salt) }),
    iterationCount: BigInt(iterations),
    keyLength: BigInt(HMAC_SHA256_KEY_BYTES),
    prf: hmacSha256(),
  });
  const parameters = new PBMAC1Params({
    keyDerivationFunc: new AlgorithmIdentifier({ algorithm: id_PBKDF2, parameters: serializeDerBuffer(pbkdf2) }),
    messageAuthScheme: hmacSha256(),
  });
  return new AlgorithmIdentifier({ algorithm: id_PBMAC1, parameters: serializeDerBuffer(parameters) });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
