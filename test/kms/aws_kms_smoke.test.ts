/**
 * Opt-in smoke test against REAL AWS KMS (docs/aws-kms.md). Skipped unless
 * JELLYFISH_KMS_SMOKE_KEY_ID is set. It costs a few KMS requests and needs:
 *
 *   JELLYFISH_KMS_SMOKE_KEY_ID   key id, key ARN or alias of an asymmetric
 *                                SIGN_VERIFY key (ECC_NIST_P256/P384/P521,
 *                                RSA_2048/3072/4096)
 *   AWS_REGION                   the key's region
 *   AWS credentials              anything the SDK's default chain finds
 *                                (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
 *                                [/AWS_SESSION_TOKEN], AWS_PROFILE, SSO, ...)
 *                                allowed kms:GetPublicKey and kms:Sign
 *   JELLYFISH_KMS_SMOKE_ALGORITHM  optional, for RSA keys: e.g. RSASSA_PSS_SHA_256
 *
 *   JELLYFISH_KMS_SMOKE_KEY_ID=alias/jellyfish-ca AWS_REGION=eu-central-1 \
 *     npx vitest run test/kms/aws_kms_smoke.test.ts
 *
 * It signs data and a self-signed certificate with the key and checks both
 * with openssl and with our own verifier: the same checks the emulator tests
 * make, against the real service, so a difference between the emulator and
 * KMS shows up here.
 */
import { describe, expect, it } from "vitest";
import { encodePem } from "../../src/asn1/pem.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { AwsKmsSigner } from "../../src/kms/aws_kms.js";
import { isKmsSigningAlgorithm } from "../../src/kms/aws_kms_algorithms.js";
import { SignerError } from "../../src/kms/signer.js";
import { makeTempDirSync, mustOpensslSync } from "../support/openssl.js";

const keyId = process.env.JELLYFISH_KMS_SMOKE_KEY_ID;
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
const algorithm = process.env.JELLYFISH_KMS_SMOKE_ALGORITHM;

describe.skipIf(!keyId)("AWS KMS smoke test (real KMS)", () => {

  function connect(): Promise<AwsKmsSigner> {
    if (!region) throw new Error("set AWS_REGION to the key's region");
    if (algorithm !== undefined && !isKmsSigningAlgorithm(algorithm)) throw new Error(`JELLYFISH_KMS_SMOKE_ALGORITHM ${algorithm} is not a KMS signing algorithm`);
    // No credentials passed: the SDK's default chain, as on Lambda.
    return AwsKmsSigner.connect({ keyId: keyId!, region, signingAlgorithm: algorithm, requestTimeoutMs: 10_000 });
  }

  it("signs data that openssl and verifySignature accept", async () => {
    const signer = await connect();
    const data = globalThis.crypto.getRandomValues(new Uint8Array(5000));
    const signature = await signer.sign(data);
    expect(await verifySignature(signer.publicKey, signer.algorithm, data, signature)).toBe(true);
    const tampered = data.slice();
    tampered[0] ^= 1;
    expect(await verifySignature(signer.publicKey, signer.algorithm, tampered, signature)).toBe(false);
  });

  it("signs a self-signed CA certificate that openssl verifies", async () => {
    const signer = await connect();
    const der = await createSelfSignedCa({ signer, subject: "CN=Jellyfish KMS smoke test", validitySeconds: 3600, now: new Date() });
    const dir = makeTempDirSync("jellyfish-kms-smoke-");
    try {
      const pem = dir.write("smoke-ca.pem", encodePem("CERTIFICATE", der));
      expect(mustOpensslSync(["verify", "-CAfile", pem, pem])).toContain("OK");
    } finally {
      dir.remove();
    }
  });

  it("a key id that does not exist fails permanently, naming it", async () => {
    const missing = `${keyId!.startsWith("arn:") ? keyId!.replace(/key\/.*$/, "key/") : ""}00000000-0000-4000-8000-000000000000`;
    const error = await AwsKmsSigner.connect({ keyId: missing, region: region! }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SignerError);
    expect((error as SignerError).transient).toBe(false);
    expect((error as SignerError).message).toContain(missing);
  });
});
