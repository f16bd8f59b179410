import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { loadKmsKeyAndCertificates } from "../../src/ca/kms_key_pair.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { AwsKmsSigner, type AwsKmsOptions } from "../../src/kms/aws_kms.js";
import type { KmsSigningAlgorithm } from "../../src/kms/aws_kms_algorithms.js";
import { SignerError } from "../../src/kms/signer.js";
import { KmsEmulator } from "../support/kms_emulator.js";
import type { EmulatedKeySpec } from "../support/kms_emulator_signing.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";
import { freePort } from "../support/free_port.js";

// AwsKmsSigner with the real @aws-sdk/client-kms over real HTTP against the
// loopback KMS emulator: each key spec and algorithm signs what openssl and
// our own verifier accept, under exactly the right AlgorithmIdentifier; KMS
// failures become SignerErrors that say whether waiting helps.

const dir = makeTempDirSync("jellyfish-kms-aws-");
let kms: KmsEmulator;

beforeAll(async () => {
  kms = await KmsEmulator.start();
});
afterAll(async () => {
  await kms?.stop();
  dir.remove();
});

const hex = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");

function options(keyId: string, extra: Partial<AwsKmsOptions> = {}): AwsKmsOptions {
  return { keyId, region: kms.region, credentials: kms.credentials, endpoint: kms.url, ...extra };
}

function sdkClient(): KMSClient {
  return new KMSClient({ region: kms.region, credentials: kms.credentials, endpoint: kms.url, maxAttempts: 1 });
}

/** The SignerError a promise rejects with. */
async function signerError(promise: Promise<unknown>): Promise<SignerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignerError);
  return error as SignerError;
}

// DER AlgorithmIdentifiers: ECDSA without parameters (RFC 5758 §3.2), PKCS #1
// v1.5 with NULL (RFC 4055 §5), RSASSA-PSS with RSASSA-PSS-params whose hash
// identifiers carry NULL (RFC 4055 §6), MGF1 with the same hash, salt = hash
// length, trailerField DEFAULT 1 left out.
const ALGORITHM_DER: Record<KmsSigningAlgorithm, string> = {
  ECDSA_SHA_256: "300a06082a8648ce3d040302",
  ECDSA_SHA_384: "300a06082a8648ce3d040303",
  ECDSA_SHA_512: "300a06082a8648ce3d040304",
  RSASSA_PKCS1_V1_5_SHA_256: "300d06092a864886f70d01010b0500",
  RSASSA_PKCS1_V1_5_SHA_384: "300d06092a864886f70d01010c0500",
  RSASSA_PKCS1_V1_5_SHA_512: "300d06092a864886f70d01010d0500",
  RSASSA_PSS_SHA_256: pss("01", "20"),
  RSASSA_PSS_SHA_384: pss("02", "30"),
  RSASSA_PSS_SHA_512: pss("03", "40"),
};

function pss(hashOidLast: string, saltHex: string): string {
  const hash = `300d06096086480165030402${hashOidLast}0500`;
  return `304106092a864886f70d01010a3034a00f${hash}a11c301a06092a864886f70d010108${hash}a2030201${saltHex}`;
}

/** openssl dgst -verify over the data, with the PSS options when the algorithm is PSS. */
function opensslVerifies(algorithm: KmsSigningAlgorithm, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const tag = `${algorithm}-${Math.random().toString(36).slice(2)}`;
  const pub = dir.write(`${tag}.pub.der`, spki);
  const msg = dir.write(`${tag}.msg`, data);
  const sig = dir.write(`${tag}.sig`, signature);
  const bits = algorithm.slice(-3);
  const pssOptions = algorithm.startsWith("RSASSA_PSS_")
    ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", `rsa_pss_saltlen:${Number(bits) / 8}`, "-sigopt", `rsa_mgf1_md:sha${bits}`]
    : [];
  const result = opensslSync(["dgst", `-sha${bits}`, ...pssOptions, "-keyform", "DER", "-verify", pub, "-signature", sig, msg]);
  return result.code === 0 && /Verified OK/.test(result.stdout);
}

async function checkSigns(signer: AwsKmsSigner, algorithm: KmsSigningAlgorithm): Promise<void> {
  expect(signer.signingAlgorithm).toBe(algorithm);
  expect(hex(AsnConvert.serialize(signer.algorithm))).toBe(ALGORITHM_DER[algorithm]);
  // Larger than the 4096 bytes KMS takes as RAW: only DIGEST can sign a real TBSCertificate of any size.
  const data = globalThis.crypto.getRandomValues(new Uint8Array(6000));
  const before = kms.signCalls(signer.keyArn);
  const signature = await signer.sign(data);
  expect(kms.signCalls(signer.keyArn)).toBe(before + 1);
  const sent = kms.lastInput("Sign")!;
  expect(sent).toMatchObject({ KeyId: signer.keyArn, MessageType: "DIGEST", SigningAlgorithm: algorithm });
  expect(Buffer.from(sent.Message as string, "base64")).toHaveLength(Number(algorithm.slice(-3)) / 8);
  if (algorithm.startsWith("ECDSA_")) expect(signature[0]).toBe(0x30); // DER ECDSA-Sig-Value as KMS returns it
  expect(opensslVerifies(algorithm, signer.publicKey, data, signature)).toBe(true);
  expect(await verifySignature(signer.publicKey, signer.algorithm, data, signature)).toBe(true);
  const tampered = data.slice();
  tampered[100] ^= 1;
  expect(opensslVerifies(algorithm, signer.publicKey, tampered, signature)).toBe(false);
  expect(await verifySignature(signer.publicKey, signer.algorithm, tampered, signature)).toBe(false);
}

describe("AwsKmsSigner: key specs and algorithms", () => {
  const defaults: Array<{ spec: EmulatedKeySpec; algorithm: KmsSigningAlgorithm; openssl: RegExp }> = [
    { spec: "ECC_NIST_P256", algorithm: "ECDSA_SHA_256", openssl: /NIST CURVE: P-256/ },
    { spec: "ECC_NIST_P384", algorithm: "ECDSA_SHA_384", openssl: /NIST CURVE: P-384/ },
    { spec: "ECC_NIST_P521", algorithm: "ECDSA_SHA_512", openssl: /NIST CURVE: P-521/ },
    { spec: "RSA_2048", algorithm: "RSASSA_PKCS1_V1_5_SHA_256", openssl: /Public-Key: \(2048 bit\)/ },
    { spec: "RSA_3072", algorithm: "RSASSA_PKCS1_V1_5_SHA_256", openssl: /Public-Key: \(3072 bit\)/ },
    { spec: "RSA_4096", algorithm: "RSASSA_PKCS1_V1_5_SHA_256", openssl: /Public-Key: \(4096 bit\)/ },
  ];
  for (const { spec, algorithm, openssl } of defaults) {
    it(`${spec}: GetPublicKey once, ${algorithm} by default, signatures verify with openssl and verifySignature`, async () => {
      const keyArn = kms.createKey(spec);
      const signer = await AwsKmsSigner.connect(options(keyArn));
      expect(signer.keyArn).toBe(keyArn);
      expect(kms.calls("GetPublicKey", keyArn)).toBe(1);
      expect(mustOpensslSync(["pkey", "-pubin", "-inform", "DER", "-noout", "-text"], { input: signer.publicKey })).toMatch(openssl);
      await checkSigns(signer, algorithm);
      expect(kms.calls("GetPublicKey", keyArn)).toBe(1);
    });
  }

  const rsaChoices: KmsSigningAlgorithm[] = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"];
  let rsaKey: string;
  beforeAll(() => {
    rsaKey = kms.createKey("RSA_3072");
  });
  for (const algorithm of rsaChoices) {
    it(`RSA_3072 with ${algorithm} on request`, async () => {
      await checkSigns(await AwsKmsSigner.connect(options(rsaKey, { signingAlgorithm: algorithm })), algorithm);
    });
  }

  it("a key made with the CreateKey operation (over the SDK) works by key id as well as by ARN", async () => {
    const client = sdkClient();
    const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY", Description: "CA" }));
    const id = created.KeyMetadata!.KeyId!;
    expect(created.KeyMetadata).toMatchObject({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY", KeyState: "Enabled", Enabled: true });
    expect(created.KeyMetadata!.CreationDate).toBeInstanceOf(Date);
    const described = await client.send(new DescribeKeyCommand({ KeyId: id }));
    expect(described.KeyMetadata!.Arn).toBe(created.KeyMetadata!.Arn);
    const signer = await AwsKmsSigner.connect(options(id));
    expect(signer.keyArn).toBe(created.KeyMetadata!.Arn); // pinned to the ARN GetPublicKey reported
    await checkSigns(signer, "ECDSA_SHA_256");
  });

  it("refuses an algorithm that does not fit the key, naming both", async () => {
    const ec = kms.createKey("ECC_NIST_P256");
    const error = await signerError(AwsKmsSigner.connect(options(ec, { signingAlgorithm: "RSASSA_PSS_SHA_256" })));
    expect(error.transient).toBe(false);
    expect(error.message).toContain(ec);
    expect(error.message).toContain("ECDSA_SHA_256, not RSASSA_PSS_SHA_256");
  });

  it("a certificate signed through the signer verifies with openssl (RSASSA-PSS too)", async () => {
    for (const [keyId, algorithm] of [[kms.createKey("ECC_NIST_P384"), undefined], [rsaKey, "RSASSA_PSS_SHA_256"]] as const) {
      const signer = await AwsKmsSigner.connect(options(keyId, { signingAlgorithm: algorithm }));
      const der = await createSelfSignedCa({ signer, subject: "CN=KMS CA,O=Jellyfish", validitySeconds: 3600, now: new Date() });
      const pem = dir.write(`self-signed-${algorithm ?? "ec"}.pem`, encodePem("CERTIFICATE", der));
      expect(mustOpensslSync(["verify", "-CAfile", pem, pem])).toContain("OK");
      const text = mustOpensslSync(["x509", "-in", pem, "-noout", "-text"]);
      expect(text).toContain(algorithm ? "rsassaPss" : "ecdsa-with-SHA384");
      if (algorithm) expect(text).toMatch(/Salt Length: 0x20/);
    }
  });
});

describe("AwsKmsSigner: failures as SignerError", () => {
  let keyArn: string;
  let signer: AwsKmsSigner;
  beforeAll(async () => {
    keyArn = kms.createKey("ECC_NIST_P256");
    signer = await AwsKmsSigner.connect(options(keyArn, { requestTimeoutMs: 400 }));
  });
  const data = new Uint8Array([1, 2, 3]);

  it("ThrottlingException is transient and names the key and the code", async () => {
    kms.fail({ kind: "throttle", count: 1, keyId: keyArn });
    const error = await signerError(signer.sign(data));
    expect(error.transient).toBe(true);
    expect(error.message).toContain(keyArn);
    expect(error.message).toContain("ThrottlingException (HTTP 400)");
    expect(await signer.sign(data)).toBeInstanceOf(Uint8Array); // count 1: the next one passes
  });

  it("KMSInternalException (HTTP 500) is transient", async () => {
    kms.fail({ kind: "internal", count: 1 });
    const error = await signerError(signer.sign(data));
    expect(error.transient).toBe(true);
    expect(error.message).toContain("KMSInternalException (HTTP 500)");
  });

  it("one attempt per call: no SDK retries hide a failure", async () => {
    const before = kms.signCalls(keyArn);
    kms.fail({ kind: "throttle", count: 1, keyId: keyArn });
    await signerError(signer.sign(data));
    expect(kms.signCalls(keyArn)).toBe(before + 1);
  });

  it("a KMS that does not answer: transient after the request timeout, not a hung call", async () => {
    kms.fail({ kind: "delay", count: 1, keyId: keyArn });
    const started = Date.now();
    const error = await signerError(signer.sign(data));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.transient).toBe(true);
    expect(error.message).toContain(`AWS KMS Sign with key ${keyArn} timed out after 400 ms`);
  });

  it("a KMS that cannot be reached (connection refused) is transient", async () => {
    const port = await freePort();
    const offline = AwsKmsSigner.connect(options(keyArn, { endpoint: `http://127.0.0.1:${port}` }));
    const error = await signerError(offline);
    expect(error.transient).toBe(true);
    expect(error.message).toContain(keyArn);
  });

  it("a disabled key: DisabledException, permanent", async () => {
    const key = kms.createKey("ECC_NIST_P256");
    const keySigner = await AwsKmsSigner.connect(options(key));
    await sdkClient().send(new DisableKeyCommand({ KeyId: key }));
    const error = await signerError(keySigner.sign(data));
    expect(error.transient).toBe(false);
    expect(error.message).toContain("DisabledException");
    expect(error.message).toContain(key);
  });

  it("a key pending deletion: KMSInvalidStateException, permanent", async () => {
    const key = kms.createKey("ECC_NIST_P256");
    const keySigner = await AwsKmsSigner.connect(options(key));
    await sdkClient().send(new ScheduleKeyDeletionCommand({ KeyId: key }));
    const error = await signerError(keySigner.sign(data));
    expect(error.transient).toBe(false);
    expect(error.message).toContain("KMSInvalidStateException");
  });

  it("a wrong key id at connect: NotFoundException, permanent, naming the key id", async () => {
    const wrong = `arn:aws:kms:${kms.region}:111122223333:key/00000000-0000-4000-8000-000000000000`;
    const error = await signerError(AwsKmsSigner.connect(options(wrong)));
    expect(error.transient).toBe(false);
    expect(error.message).toContain(`AWS KMS GetPublicKey with key ${wrong} failed: NotFoundException (HTTP 400)`);
  });

  it("a throttled or hung GetPublicKey at connect is transient", async () => {
    kms.fail({ kind: "throttle", count: 1, keyId: keyArn, operations: ["GetPublicKey"] });
    expect((await signerError(AwsKmsSigner.connect(options(keyArn)))).transient).toBe(true);
    kms.fail({ kind: "delay", count: 1, keyId: keyArn, operations: ["GetPublicKey"] });
    const error = await signerError(AwsKmsSigner.connect(options(keyArn, { requestTimeoutMs: 300 })));
    expect(error.transient).toBe(true);
    expect(error.message).toContain("timed out after 300 ms");
  });

  it("wrong credentials are permanent, and the message carries no secret", async () => {
    const wrongId = await signerError(
      AwsKmsSigner.connect(options(keyArn, { credentials: { accessKeyId: "AKIANOTKNOWN", secretAccessKey: kms.credentials.secretAccessKey } })),
    );
    expect(wrongId.transient).toBe(false);
    expect(wrongId.message).toContain("UnrecognizedClientException");
    const wrongSecret = await signerError(
      AwsKmsSigner.connect(options(keyArn, { credentials: { accessKeyId: kms.credentials.accessKeyId, secretAccessKey: "not-the-secret-at-all" } })),
    );
    expect(wrongSecret.transient).toBe(false);
    expect(wrongSecret.message).toContain("InvalidSignatureException");
    for (const error of [wrongId, wrongSecret]) {
      expect(error.message).not.toContain(kms.credentials.secretAccessKey);
      expect(error.message).not.toContain("not-the-secret-at-all");
    }
  });
});

describe("the emulator refuses requests without SigV4", () => {
  async function post(headers: Record<string, string>): Promise<{ status: number; body: { __type?: string; message?: string } }> {
    const response = await fetch(kms.url, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.GetPublicKey", ...headers },
      body: JSON.stringify({ KeyId: kms.createKey("ECC_NIST_P256") }),
    });
    return { status: response.status, body: (await response.json()) as { __type?: string } };
  }

  it("no Authorization: 400 MissingAuthenticationTokenException", async () => {
    expect(await post({})).toMatchObject({ status: 400, body: { __type: "MissingAuthenticationTokenException" } });
  });

  it("an Authorization header that is not SigV4: 400 IncompleteSignatureException", async () => {
    expect(await post({ authorization: "Bearer abc" })).toMatchObject({ status: 400, body: { __type: "IncompleteSignatureException" } });
  });

  it("SigV4 structure with an unknown access key: UnrecognizedClientException; with a made-up signature: InvalidSignatureException", async () => {
    const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    const authorization = (accessKeyId: string) =>
      `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date.slice(0, 8)}/${kms.region}/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${"ab".repeat(32)}`;
    expect(await post({ authorization: authorization("AKIASTRANGER"), "x-amz-date": date })).toMatchObject({
      status: 400,
      body: { __type: "UnrecognizedClientException" },
    });
    expect(await post({ authorization: authorization(kms.credentials.accessKeyId), "x-amz-date": date })).toMatchObject({
      status: 400,
      body: { __type: "InvalidSignatureException" },
    });
  });
});

describe("loadKmsKeyAndCertificates: the CA certificate must be for the KMS key", () => {
  it("loads the key with its own certificate", async () => {
    const keyArn = kms.createKey("ECC_NIST_P256");
    const signer = await AwsKmsSigner.connect(options(keyArn));
    const der = await createSelfSignedCa({ signer, subject: "CN=Matching CA", validitySeconds: 3600, now: new Date() });
    const loaded = await loadKmsKeyAndCertificates(options(keyArn), encodePem("CERTIFICATE", der));
    expect(hex(loaded.signer.publicKey)).toBe(hex(signer.publicKey));
    expect(loaded.certificates.map(hex)).toEqual([hex(der)]);
  });

  it("a certificate for another key: the error names the key id and the certificate subject", async () => {
    const other = await AwsKmsSigner.connect(options(kms.createKey("ECC_NIST_P256")));
    const otherCa = await createSelfSignedCa({ signer: other, subject: "CN=Other CA,O=Jellyfish", validitySeconds: 3600, now: new Date() });
    const keyArn = kms.createKey("ECC_NIST_P256");
    await expect(loadKmsKeyAndCertificates(options(keyArn), encodePem("CERTIFICATE", otherCa))).rejects.toThrow(
      `KMS key ${keyArn} does not match the CA certificate "CN=Other CA,O=Jellyfish" (different public key)`,
    );
  });

  it("a wrong key id fails naming it; an empty chain names the setting", async () => {
    const wrong = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const signer = await AwsKmsSigner.connect(options(kms.createKey("ECC_NIST_P256")));
    const pem = encodePem("CERTIFICATE", await createSelfSignedCa({ signer, subject: "CN=Some CA", validitySeconds: 60, now: new Date() }));
    await expect(loadKmsKeyAndCertificates(options(wrong), pem)).rejects.toThrow(`key ${wrong} failed: NotFoundException`);
    await expect(loadKmsKeyAndCertificates(options(wrong), "")).rejects.toThrow(`CA_CERT: no "CERTIFICATE" PEM block`);
  });
});
