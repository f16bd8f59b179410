import type { GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { kmsScheme, type KmsScheme, type KmsSigningAlgorithm } from "./aws_kms_algorithms.js";
import { kmsSignerError, type KmsCall } from "./aws_kms_errors.js";
import { SignerError, type Signer } from "./signer.js";
import { constantTimeEqual } from "../crypto/constant_time.js";

/**
 * The production Signer: the CA key is an asymmetric AWS KMS key
 * (KeyUsage SIGN_VERIFY) and never leaves KMS (DESIGN.md, "Keys never leave
 * the KMS"). The SDK resolves to its fetch-based HTTP handler in workerd
 * (package.json "browser" field, which wrangler's esbuild honours) and to
 * the node:http one in Node and Lambda, so one file serves both.
 */

export interface AwsKmsOptions {
  /** Key id, key ARN, alias name or alias ARN (AWS KMS Developer Guide, "Key identifiers"). */
  keyId: string;
  region: string;
  /** Absent: the SDK's default chain (in Lambda, the function role). The Worker must pass them. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Another endpoint than kms.<region>.amazonaws.com, e.g. an emulator or a VPC endpoint. */
  endpoint?: string;
  /** Deadline of each KMS request; past it the call fails transiently. Default 5000. */
  requestTimeoutMs?: number;
  /** For RSA keys: which algorithm to sign with (default RSASSA_PKCS1_V1_5_SHA_256). */
  signingAlgorithm?: KmsSigningAlgorithm;
}

export const DEFAULT_KMS_TIMEOUT_MS = 5000;

export class AwsKmsSigner implements Signer {
  readonly algorithm: AlgorithmIdentifier;
  readonly publicKey: Uint8Array;
  /** The key ARN KMS reported: signing is pinned to the key whose public key was read. */
  readonly keyArn: string;
  readonly #client: KMSClient;
  readonly #signCommand: typeof SignCommand;
  readonly #getPublicKeyCommand: typeof GetPublicKeyCommand;
  readonly #scheme: KmsScheme;
  readonly #timeoutMs: number;

  private constructor(
    client: KMSClient,
    commands: { sign: typeof SignCommand; getPublicKey: typeof GetPublicKeyCommand },
    keyArn: string,
    publicKey: Uint8Array,
    scheme: KmsScheme,
    timeoutMs: number,
  ) {
    this.#client = client;
    this.#signCommand = commands.sign;
    this.#getPublicKeyCommand = commands.getPublicKey;
    this.keyArn = keyArn;
    this.publicKey = publicKey;
    this.#scheme = scheme;
    this.#timeoutMs = timeoutMs;
    this.algorithm = scheme.algorithm;
  }

  /**
   * Read the key's public key and spec once (GetPublicKey, which needs the
   * kms:GetPublicKey permission) and choose the signing algorithm. Throws
   * SignerError naming the key: transient if KMS could not be reached,
   * permanent if the key is wrong for signing certificates.
   */
  static async connect(options: AwsKmsOptions): Promise<AwsKmsSigner> {
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_KMS_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new SignerError(`requestTimeoutMs must be positive, not ${timeoutMs}`, false);
    // The one dynamic import of the SDK: a Worker or Lambda isolate evaluates
    // it only when configured for KMS, not at every cold start. (Importing
    // the modules above it dynamically instead made esbuild wrap some 220 of
    // the bundle's modules in lazy initialisers, about 1.8 KB gzip.)
    const { GetPublicKeyCommand, KMSClient, SignCommand } = await import("@aws-sdk/client-kms");
    const client = new KMSClient({
      region: options.region,
      credentials: options.credentials,
      endpoint: options.endpoint,
      // One attempt per call: a throttled or failed Sign becomes a transient
      // SignerError at once, and the CMP client is told to poll
      // (Profile.signerRetry) instead of the request hanging in SDK back-off.
      maxAttempts: 1,
    });
    try {
      const call: KmsCall = { operation: "GetPublicKey", keyId: options.keyId };
      const response = await withDeadline(call, timeoutMs, (abortSignal) =>
        client.send(new GetPublicKeyCommand({ KeyId: options.keyId }), { abortSignal }),
      );
      const refuse = (reason: string) => new SignerError(`AWS KMS key ${options.keyId} ${reason}`, false);
      if (response.KeyUsage !== "SIGN_VERIFY") throw refuse(`has KeyUsage ${response.KeyUsage ?? "(none)"}; a CA key needs SIGN_VERIFY`);
      if (!response.PublicKey || !response.KeySpec) throw refuse("has no public key (GetPublicKey returned none)");
      let scheme: KmsScheme;
      try {
        scheme = kmsScheme(response.KeySpec, options.signingAlgorithm);
      } catch (error) {
        throw refuse(`cannot sign certificates: ${(error as Error).message}`);
      }
      if (response.SigningAlgorithms && !response.SigningAlgorithms.includes(scheme.signingAlgorithm)) {
        throw refuse(`does not offer ${scheme.signingAlgorithm} (it offers ${response.SigningAlgorithms.join(", ")})`);
      }
      return new AwsKmsSigner(client, { sign: SignCommand, getPublicKey: GetPublicKeyCommand }, response.KeyId ?? options.keyId, new Uint8Array(response.PublicKey), scheme, timeoutMs);
    } catch (error) {
      // Node's handler keeps sockets in an agent; a signer that never came to be must not hold them.
      client.destroy();
      throw error;
    }
  }

  /** The KMS SigningAlgorithmSpec used, e.g. ECDSA_SHA_256. */
  get signingAlgorithm(): KmsSigningAlgorithm {
    return this.#scheme.signingAlgorithm;
  }

  /**
   * GetPublicKey again: the cheapest call that needs the key to exist, be
   * enabled and be readable with our credentials, and it signs nothing (a
   * Sign would cost more and land in CloudTrail as a signature). A key whose
   * public key changed (an alias moved) is reported, since what we sign
   * would no longer match CA_CERT.
   */
  async probe(): Promise<void> {
    const call: KmsCall = { operation: "GetPublicKey", keyId: this.keyArn };
    const response = await withDeadline(call, this.#timeoutMs, (abortSignal) =>
      this.#client.send(new this.#getPublicKeyCommand({ KeyId: this.keyArn }), { abortSignal }),
    );
    if (!response.PublicKey || !constantTimeEqual(new Uint8Array(response.PublicKey), this.publicKey)) {
      throw new SignerError(`AWS KMS key ${this.keyArn} no longer has the public key it had at start`, false);
    }
  }

  /**
   * Hash locally and send the digest (MessageType DIGEST): KMS then skips
   * its own hashing step, and the message must be the full hash of the
   * signing algorithm (AWS KMS API Reference, Sign: "the length of the
   * Message value must match the length of hashed messages for the specified
   * signing algorithm"). RAW would cap certificates at 4096 bytes.
   * KMS returns ECDSA signatures as DER ECDSA-Sig-Value (RFC 3279 §2.2.3)
   * and RSA ones as PKCS #1 octets (RFC 8017): both as X.509 carries them.
   */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest(this.#scheme.hash, data));
    const command = new this.#signCommand({
      KeyId: this.keyArn,
      Message: digest,
      MessageType: "DIGEST",
      SigningAlgorithm: this.#scheme.signingAlgorithm,
    });
    const call: KmsCall = { operation: "Sign", keyId: this.keyArn };
    const response = await withDeadline(call, this.#timeoutMs, (abortSignal) => this.#client.send(command, { abortSignal }));
    if (!response.Signature || response.Signature.length === 0) {
      throw new SignerError(`AWS KMS Sign with key ${this.keyArn} returned no signature`, true);
    }
    return new Uint8Array(response.Signature);
  }
}

/**
 * One KMS call under a deadline, so a hung KMS costs at most `timeoutMs`
 * and becomes a transient SignerError, not a hung CMP request. The abort
 * cancels the HTTP request itself (both SDK handlers honour the signal).
 */
async function withDeadline<T>(call: KmsCall, timeoutMs: number, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The race is the guarantee; the abort is the courtesy that frees the connection.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error("deadline exceeded"));
    }, timeoutMs);
  });
  try {
    return await Promise.race([request(controller.signal), deadline]);
  } catch (error) {
    throw kmsSignerError(error, timedOut ? { ...call, timedOutAfterMs: timeoutMs } : call);
  } finally {
    clearTimeout(timer);
  }
}
