import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkSigv4, type Sigv4Credentials } from "./kms_emulator_sigv4.js";
import { generateKeyPair, hashOf, signDigest, type EmulatedKeyPair, type EmulatedKeySpec } from "./kms_emulator_signing.js";

/**
 * A loopback AWS KMS for tests: the JSON protocol as @aws-sdk/client-kms
 * speaks it (POST /, X-Amz-Target: TrentService.<Operation>, Content-Type
 * application/x-amz-json-1.1, blobs as base64, timestamps as epoch seconds;
 * errors as {"__type", "message"} with the status AWS uses, which the SDK's
 * AwsJson1_1Protocol reads back into its exception classes). Requests must
 * carry a valid SigV4 signature for the emulator's one access key.
 *
 * Operations: CreateKey, DescribeKey, GetPublicKey, Sign, DisableKey,
 * EnableKey, ScheduleKeyDeletion. Tests can inject faults (throttling,
 * internal errors, delays) and count calls.
 */

export const EMULATOR_ACCOUNT = "111122223333";

export interface EmulatorOptions {
  region?: string;
  credentials?: Sigv4Credentials;
}

export type FaultKind = "throttle" | "internal" | "delay";

export interface Fault {
  kind: FaultKind;
  /** How many matching requests it applies to; absent: every one until cleared. */
  count?: number;
  /** Only requests for this key (id or ARN); absent: every key. */
  keyId?: string;
  /** Only these operations; absent: Sign only, the one the CA calls per certificate. */
  operations?: string[];
  /** "delay": hold the answer this long (then answer normally); default 60 s, i.e. past any client timeout. */
  delayMs?: number;
}

interface EmulatedKey extends EmulatedKeyPair {
  id: string;
  arn: string;
  spec: EmulatedKeySpec;
  state: "Enabled" | "Disabled" | "PendingDeletion";
  description: string;
  created: number;
}

/** A KMS error as AWS answers it. */
class KmsFailure extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class KmsEmulator {
  readonly region: string;
  readonly credentials: Sigv4Credentials;
  readonly #keys = new Map<string, EmulatedKey>();
  #faults: Array<Fault & { remaining: number }> = [];
  readonly #calls: Array<{ operation: string; keyId?: string; input: Record<string, unknown> }> = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #server = createServer((request, response) => void this.#serve(request, response));
  #url = "";

  private constructor(options: EmulatorOptions) {
    this.region = options.region ?? "eu-central-1";
    this.credentials = options.credentials ?? { accessKeyId: "AKIAEMULATOR00000001", secretAccessKey: "emulator-secret-access-key" };
  }

  /** Listens on 127.0.0.1 and a free port. */
  static async start(options: EmulatorOptions = {}): Promise<KmsEmulator> {
    const emulator = new KmsEmulator(options);
    await new Promise<void>((resolve) => emulator.#server.listen(0, "127.0.0.1", resolve));
    emulator.#url = `http://127.0.0.1:${(emulator.#server.address() as AddressInfo).port}`;
    return emulator;
  }

  /** The endpoint to give the SDK (KMSClient `endpoint`), e.g. http://127.0.0.1:40123 */
  get url(): string {
    return this.#url;
  }

  /** Create a key directly (what CreateKey does), returning its ARN. */
  createKey(spec: EmulatedKeySpec, description = ""): string {
    const id = randomUUID();
    const key: EmulatedKey = {
      ...generateKeyPair(spec),
      id,
      arn: `arn:aws:kms:${this.region}:${EMULATOR_ACCOUNT}:key/${id}`,
      spec,
      state: "Enabled",
      description,
      created: Math.floor(Date.now() / 1000),
    };
    this.#keys.set(id, key);
    return key.arn;
  }

  /** Inject a fault; later faults are consulted after earlier ones. */
  fail(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.count ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** How many authenticated requests of `operation` (for `keyId`, if given) arrived, faulted ones included. */
  calls(operation: string, keyId?: string): number {
    const id = keyId === undefined ? undefined : this.#find(keyId)?.id;
    return this.#calls.filter((call) => call.operation === operation && (keyId === undefined || call.keyId === id)).length;
  }

  /** The JSON input of the latest authenticated `operation` request, as the client sent it. */
  lastInput(operation: string): Record<string, unknown> | undefined {
    return this.#calls.filter((call) => call.operation === operation).at(-1)?.input;
  }

  /** Sign requests that reached the emulator (see `calls`). */
  signCalls(keyId?: string): number {
    return this.calls("Sign", keyId);
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      if (request.method !== "POST" || request.url !== "/") throw new KmsFailure("UnknownOperationException", "KMS answers POST / only", 404);
      const refused = checkSigv4(
        { method: request.method, path: request.url, headers: request.headers, body },
        { credentials: this.credentials, region: this.region, service: "kms" },
      );
      if (refused) throw new KmsFailure(refused.code, refused.message);
      const target = request.headers["x-amz-target"];
      const operation = typeof target === "string" && target.startsWith("TrentService.") ? target.slice("TrentService.".length) : "";
      if (request.headers["content-type"] !== "application/x-amz-json-1.1") {
        throw new KmsFailure("SerializationException", "Content-Type must be application/x-amz-json-1.1");
      }
      const input = parseJson(body);
      const keyId = typeof input.KeyId === "string" ? input.KeyId : undefined;
      this.#calls.push({ operation, keyId: keyId === undefined ? undefined : (this.#find(keyId)?.id ?? keyId), input });
      await this.#applyFaults(operation, keyId, response);
      if (response.destroyed) return;
      this.#answer(response, 200, this.#dispatch(operation, input));
    } catch (error) {
      if (response.destroyed) return;
      const failure = error instanceof KmsFailure ? error : new KmsFailure("KMSInternalException", String(error), 500);
      this.#answer(response, failure.status, { __type: failure.type, message: failure.message });
    }
  }

  async #applyFaults(operation: string, keyId: string | undefined, response: ServerResponse): Promise<void> {
    const key = keyId === undefined ? undefined : this.#find(keyId);
    const fault = this.#faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.operations ?? ["Sign"]).includes(operation) &&
        (f.keyId === undefined || (key !== undefined && this.#find(f.keyId)?.id === key.id)),
    );
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.kind === "throttle") throw new KmsFailure("ThrottlingException", "Rate exceeded");
    if (fault.kind === "internal") throw new KmsFailure("KMSInternalException", "The request was rejected because an internal exception occurred.", 500);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, fault.delayMs ?? 60_000);
      this.#timers.add(timer);
      response.once("close", () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        resolve();
      });
    });
  }

  #dispatch(operation: string, input: Record<string, unknown>): object {
    switch (operation) {
      case "CreateKey":
        return this.#createKey(input);
      case "DescribeKey":
        return { KeyMetadata: this.#metadata(this.#key(input)) };
      case "GetPublicKey":
        return this.#getPublicKey(input);
      case "Sign":
        return this.#sign(input);
      case "DisableKey":
        this.#usable(this.#key(input)).state = "Disabled";
        return {};
      case "EnableKey": {
        const key = this.#key(input);
        if (key.state === "PendingDeletion") throw invalidState(key);
        key.state = "Enabled";
        return {};
      }
      case "ScheduleKeyDeletion": {
        const key = this.#key(input);
        key.state = "PendingDeletion";
        return { KeyId: key.arn, KeyState: key.state, DeletionDate: Math.floor(Date.now() / 1000) + 30 * 86400, PendingWindowInDays: 30 };
      }
      default:
        throw new KmsFailure("UnknownOperationException", `unknown operation ${operation || "(no X-Amz-Target)"}`);
    }
  }

  #createKey(input: Record<string, unknown>): object {
    const spec = input.KeySpec ?? input.CustomerMasterKeySpec;
    if (input.KeyUsage !== "SIGN_VERIFY") throw new KmsFailure("ValidationException", "this emulator creates SIGN_VERIFY keys only");
    if (typeof spec !== "string" || !SPECS.includes(spec as EmulatedKeySpec)) {
      throw new KmsFailure("ValidationException", `KeySpec must be one of ${SPECS.join(", ")}`);
    }
    const arn = this.createKey(spec as EmulatedKeySpec, typeof input.Description === "string" ? input.Description : "");
    return { KeyMetadata: this.#metadata(this.#find(arn)!) };
  }

  #getPublicKey(input: Record<string, unknown>): object {
    const key = this.#usable(this.#key(input));
    return {
      KeyId: key.arn,
      PublicKey: key.spki.toString("base64"),
      CustomerMasterKeySpec: key.spec,
      KeySpec: key.spec,
      KeyUsage: "SIGN_VERIFY",
      SigningAlgorithms: key.signingAlgorithms,
    };
  }

  #sign(input: Record<string, unknown>): object {
    const key = this.#usable(this.#key(input));
    const algorithm = input.SigningAlgorithm;
    if (typeof algorithm !== "string" || !key.signingAlgorithms.includes(algorithm)) {
      throw new KmsFailure("InvalidKeyUsageException", `${String(algorithm)} is not a valid signing algorithm for key ${key.arn}; use ${key.signingAlgorithms.join(", ")}`);
    }
    if (typeof input.Message !== "string") throw new KmsFailure("ValidationException", "Message is required");
    const message = Buffer.from(input.Message, "base64");
    const hash = hashOf(algorithm);
    const messageType = input.MessageType ?? "RAW";
    let digest: Buffer;
    if (messageType === "DIGEST") {
      // "the length of the Message value must match the length of hashed messages for the specified signing algorithm" (Sign API).
      if (message.length !== hash.bytes) throw new KmsFailure("ValidationException", `Digest is invalid length for algorithm ${algorithm}.`);
      digest = message;
    } else if (messageType === "RAW") {
      if (message.length > 4096) throw new KmsFailure("ValidationException", "Message must be at most 4096 bytes; sign a DIGEST");
      digest = createHash(hash.name).update(message).digest();
    } else {
      throw new KmsFailure("ValidationException", `MessageType ${String(messageType)} is not supported`);
    }
    const signature = signDigest(key.spec, key.privateKey, algorithm, digest);
    return { KeyId: key.arn, Signature: signature.toString("base64"), SigningAlgorithm: algorithm };
  }

  #metadata(key: EmulatedKey): object {
    return {
      AWSAccountId: EMULATOR_ACCOUNT,
      KeyId: key.id,
      Arn: key.arn,
      CreationDate: key.created,
      Enabled: key.state === "Enabled",
      Description: key.description,
      KeyUsage: "SIGN_VERIFY",
      KeyState: key.state,
      Origin: "AWS_KMS",
      KeyManager: "CUSTOMER",
      CustomerMasterKeySpec: key.spec,
      KeySpec: key.spec,
      SigningAlgorithms: key.signingAlgorithms,
      MultiRegion: false,
    };
  }

  /** The key named by KeyId (key id or key ARN), or NotFoundException as KMS answers it. */
  #key(input: Record<string, unknown>): EmulatedKey {
    if (typeof input.KeyId !== "string" || input.KeyId === "") throw new KmsFailure("ValidationException", "KeyId is required");
    const key = this.#find(input.KeyId);
    if (!key) throw new KmsFailure("NotFoundException", `Key '${input.KeyId}' does not exist`);
    return key;
  }

  #find(keyId: string): EmulatedKey | undefined {
    const prefix = `arn:aws:kms:${this.region}:${EMULATOR_ACCOUNT}:key/`;
    return this.#keys.get(keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId);
  }

  /** Disabled keys answer DisabledException, keys pending deletion KMSInvalidStateException (as KMS does). */
  #usable(key: EmulatedKey): EmulatedKey {
    if (key.state === "Disabled") throw new KmsFailure("DisabledException", `${key.arn} is disabled.`);
    if (key.state === "PendingDeletion") throw invalidState(key);
    return key;
  }

  #answer(response: ServerResponse, status: number, body: object): void {
    const bytes = Buffer.from(JSON.stringify(body));
    response.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": bytes.length,
      "x-amzn-requestid": randomUUID(),
    });
    response.end(bytes);
  }
}

const SPECS: readonly EmulatedKeySpec[] = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "RSA_2048", "RSA_3072", "RSA_4096"];

function invalidState(key: EmulatedKey): KmsFailure {
  return new KmsFailure("KMSInvalidStateException", `${key.arn} is pending deletion.`);
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.length === 0 ? "{}" : body.toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new KmsFailure("SerializationException", "the body is not a JSON object");
}
