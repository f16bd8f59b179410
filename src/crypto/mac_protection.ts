import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { PBKDF2Salt } from "../asn1/pbmac1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, toHex } from "../asn1/bytes.js";
import { BoundedCache } from "./bounded_cache.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { OID } from "./algorithms.js";
import { computeMac, verifyMac } from "./hmac.js";
import { decodePbmParameter, derivePbmKey } from "./pbm.js";
import { decodePbmac1Params, derivePbmac1Key, planPbmac1 } from "./pbmac1.js";
import type { HmacKey } from "./hmac.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";

/**
 * MAC-based PKIProtection (RFC 9810 §5.1.3.1, RFC 9481 §6.1): the one entry
 * the engine calls for a MAC-protected message.
 *
 * A MAC request gets a MAC response with the same secret and the same
 * algorithms and iteration count (DESIGN.md; RFC 9483 §3.2), under a salt
 * of our own (answerKey): the salt keeps the keys of request and answer
 * apart (RFC 9810 §5.1.3.1), and strict RFC 9483 clients check that the
 * answer's salt is not their own.
 */
export interface MacKey {
  /** The protectionAlg to put, unchanged, in the response header. */
  readonly protectionAlg: AlgorithmIdentifier;
  /** Check `mac` (the PKIProtection bits) over `data` (DER ProtectedPart), in constant time. */
  verify(data: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /** The PKIProtection bits for `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /**
   * The key of an answer to this message: the same secret, algorithms and
   * iteration count under a salt that is not this message's, shared by the
   * answers to the same secret and parameters for a while (answerKeys
   * below), so that answering costs no second key derivation per message.
   */
  answerKey(randomBytes: (length: number) => Uint8Array, now: number): Promise<MacKey>;
}

/** Whether protectionAlg names a MAC this module handles (else it is a signature or unknown). */
export function isMacProtection(protectionAlg: AlgorithmIdentifier): boolean {
  return protectionAlg.algorithm === OID.passwordBasedMac || protectionAlg.algorithm === OID.pbmac1;
}

/**
 * Derive the MAC key for `protectionAlg` from the shared `secret`.
 *
 * Errors (CmpError):
 * - badAlg: the protection OID is not PBM or PBMAC1; or the parameters
 *   decode but name an algorithm we do not run (SHA-224, KMAC, ...) or an
 *   iteration count outside 100..maxIterations, or a keyLength that does
 *   not fit the MAC. These are "unsupported algorithm" answers
 *   (RFC 9810 §5.2.3 badAlg), which tell the client to choose another.
 * - badDataFormat: the parameters are missing or not DER of the structure
 *   the OID requires: the message itself is malformed.
 */
export async function prepareMac(protectionAlg: AlgorithmIdentifier, secret: Uint8Array, maxIterations: number): Promise<MacKey> {
  let key: HmacKey;
  let parameters: { salt: Uint8Array; shape: string };
  switch (protectionAlg.algorithm) {
    case OID.passwordBasedMac: {
      const pbm = decodePbmParameter(protectionAlg.parameters);
      key = await derivePbmKey(secret, pbm, maxIterations);
      parameters = { salt: new Uint8Array(pbm.salt), shape: `pbm|${shapeOf(pbm.owf)}|${pbm.iterationCount}|${shapeOf(pbm.mac)}` };
      break;
    }
    case OID.pbmac1: {
      const { pbmac1, pbkdf2 } = decodePbmac1Params(protectionAlg.parameters);
      key = await derivePbmac1Key(secret, planPbmac1(pbmac1, pbkdf2, maxIterations));
      parameters = {
        salt: new Uint8Array(pbkdf2.salt.specified ?? new ArrayBuffer(0)),
        shape: `pbmac1|${pbmac1.keyDerivationFunc.algorithm}|${pbkdf2.iterationCount}|${pbkdf2.keyLength ?? "-"}|${shapeOf(pbkdf2.prf)}|${shapeOf(pbmac1.messageAuthScheme)}`,
      };
      break;
    }
    default:
      throw new CmpError("badAlg", `protection algorithm ${protectionAlg.algorithm} is not a supported MAC (PasswordBasedMac or PBMAC1)`);
  }
  return {
    protectionAlg,
    verify: (data, mac) => verifyMac(key, data, mac),
    sign: (data) => computeMac(key, data),
    answerKey: (randomBytes, now) => answerKey({ protectionAlg, secret, maxIterations, ...parameters }, randomBytes, now),
  };
}

/** An AlgorithmIdentifier as text, its parameters' absence and NULL told apart (the answer repeats them as sent). */
function shapeOf(algorithm: AlgorithmIdentifier | undefined): string {
  if (!algorithm) return "default";
  const parameters = algorithm.parameters;
  return `${algorithm.algorithm}:${parameters === undefined ? "absent" : parameters === null ? "null" : toHex(new Uint8Array(parameters))}`;
}

/**
 * Answer keys by secret and parameters, salt aside. Deriving a key costs
 * what verifying the request did (PBM's 500 rounds about 0.7 ms, PBMAC1's
 * 10 000 PBKDF2 iterations about 4 ms); one answer salt per secret and
 * parameters for a few minutes keeps the answer's key apart from every
 * request's (RFC 9810 §5.1.3.1, RFC 9481 §6.1.1: a random salt of at least
 * 8 octets; nothing asks a new one per message) at the cost of one
 * derivation per few minutes. Keyed by a hash of the secret, so a changed
 * secret (a reset enrollment code) gets a key of its own at once.
 */
const answerKeys = new BoundedCache<string, { key: Promise<MacKey>; salt: Uint8Array; until: number }>(256);
const ANSWER_KEY_MS = 5 * 60_000;
const ANSWER_SALT_BYTES = 16;

async function answerKey(
  request: { protectionAlg: AlgorithmIdentifier; secret: Uint8Array; maxIterations: number; salt: Uint8Array; shape: string },
  randomBytes: (length: number) => Uint8Array,
  now: number,
): Promise<MacKey> {
  const id = `${toHex(sha256(request.secret))}|${request.shape}`;
  const cached = answerKeys.get(id);
  // A request that copied our salt gets a new one: the answer's key is never the request's.
  if (cached && cached.until > now && !bytesEqual(cached.salt, request.salt)) return cached.key;
  const salt = randomBytes(ANSWER_SALT_BYTES);
  const key = prepareMac(resalted(request.protectionAlg, salt), request.secret, request.maxIterations);
  answerKeys.set(id, { key, salt, until: now + ANSWER_KEY_MS });
  key.catch(() => answerKeys.delete(id));
  return key;
}

/**
 * protectionAlg with another salt and everything else as it was: the PBM
 * parameters' salt (RFC 4211 §4.4), or PBKDF2's inside PBMAC1 under
 * whichever key derivation OID the request used (pbmac1.ts: Bouncy Castle's
 * id-PBES2 form is answered in kind).
 */
function resalted(protectionAlg: AlgorithmIdentifier, salt: Uint8Array): AlgorithmIdentifier {
  const saltBuffer = salt.slice().buffer as ArrayBuffer;
  if (protectionAlg.algorithm === OID.passwordBasedMac) {
    const parameters = decodePbmParameter(protectionAlg.parameters);
    parameters.salt = saltBuffer;
    return new AlgorithmIdentifier({ algorithm: protectionAlg.algorithm, parameters: serializeDerBuffer(parameters) });
  }
  const { pbmac1, pbkdf2 } = decodePbmac1Params(protectionAlg.parameters);
  pbkdf2.salt = new PBKDF2Salt({ specified: saltBuffer });
  pbmac1.keyDerivationFunc = new AlgorithmIdentifier({ algorithm: pbmac1.keyDerivationFunc.algorithm, parameters: serializeDerBuffer(pbkdf2) });
  return new AlgorithmIdentifier({ algorithm: protectionAlg.algorithm, parameters: serializeDerBuffer(pbmac1) });
}
