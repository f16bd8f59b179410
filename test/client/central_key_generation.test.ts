import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { OneAsymmetricKey } from "../../src/asn1/asymmetric_key_package.js";
import { toBase64, toHex } from "../../src/asn1/bytes.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { parseDer } from "../../src/asn1/parse_der.js";
import { CmpClient, CmpClientError } from "../../src/client/index.js";
import { OID } from "../../src/crypto/algorithms.js";
import { privateKeyMatches } from "../../src/crypto/key_pair_match.js";
import { parseCertificate } from "../../src/crypto/parsed_certificate.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import { makeTestCa, startEngineServer, type EngineServer, type TestCa } from "../support/engine_server.js";
import { profileUrl, recordOf } from "./jellyfish_harness.js";
import { openCentralKey } from "../../src/client/central_key.js";
import { serializeDer } from "../../src/asn1/serialize_der.js";
import { reprotect } from "../support/reprotect.js";
import { ProofOfPossession } from "../../src/asn1/proof_of_possession.js";

// The client library asks Jellyfish's engine for a server-generated key
// (RFC 9483 §4.1.6) and opens the answer: with a MAC (PWRI), with an EC
// protection certificate (KARI) and an RSA one (KTRI); and every refusal
// leaves the store as it was, and no private key ever reaches the store.

const CERTIFICATE = { keyUsage: ["digitalSignature", "keyEncipherment", "keyAgreement"] };
const CONFIG = {
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: {
      default: { certificate: CERTIFICATE },
      keygen: { certificate: CERTIFICATE, centralKeyGeneration: { keyTypes: ["P-256", "RSA", "Ed25519"], defaultKeyType: "P-256" } },
      // Certificates for EC keys without keyAgreement: unusable to receive a key by key agreement.
      signingOnly: { certificate: { keyUsage: ["digitalSignature"] }, centralKeyGeneration: { keyTypes: ["P-256"] } },
      held: { certificate: CERTIFICATE, centralKeyGeneration: { keyTypes: ["P-256"] }, approval: { hold: "all" } },
    },
  }),
};

let ca: TestCa;
let server: EngineServer;

beforeAll(async () => {
  ca = await makeTestCa();
});
afterEach(async () => {
  await server?.stop();
});

async function start(): Promise<EngineServer> {
  server = await startEngineServer({ ca, config: CONFIG, quiet: true });
  return server;
}

function macClient(profile = "keygen"): CmpClient {
  return new CmpClient({ url: profileUrl(server, profile), protection: { mac: { reference: "dev", secret: "s3cret" } } });
}

/** A key and a certificate for it from `profile`, enrolled with the MAC; and a client that signs with them. */
async function signingClient(kind: LocalKeyKind, profile = "keygen"): Promise<{ client: CmpClient; pkcs8: Uint8Array }> {
  const { pkcs8 } = await generateLocalKey(kind);
  const signer = await LocalSigner.fromPkcs8(pkcs8);
  const { certificate } = await macClient(profile).ir({ subject: `CN=signer-${kind}`, key: { signer } });
  const client = new CmpClient({
    url: profileUrl(server, profile),
    protection: { signature: { signer, certificates: [certificate] } },
    trust: { anchors: [ca.ca.certificate] },
  });
  return { client, pkcs8 };
}

async function storeDump(): Promise<string> {
  const page = await server.store.list<unknown>("");
  return JSON.stringify(page.items);
}

/**
 * The private value of a PKCS #8 key (its JWK "d": the EC or Ed25519 scalar,
 * the RSA private exponent) appears nowhere in the store or the logs: not
 * as hex, not as base64 at any alignment.
 */
async function expectNotStored(privateKeyInfo: Uint8Array): Promise<void> {
  const algorithm = parseDer(privateKeyInfo, OneAsymmetricKey).privateKeyAlgorithm;
  const importAs =
    algorithm.algorithm === OID.rsaEncryption ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
    : algorithm.algorithm === OID.ed25519 ? { name: "Ed25519" }
    : { name: "ECDSA", namedCurve: "P-256" };
  const key = await crypto.subtle.importKey("pkcs8", privateKeyInfo, importAs, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const secret = new Uint8Array(Buffer.from(jwk.d!, "base64url"));
  expect(secret.length).toBeGreaterThanOrEqual(32);
  const everything = (await storeDump()) + JSON.stringify(server.logs);
  expect(everything).not.toContain(toHex(secret.subarray(0, 24)));
  for (const offset of [0, 1, 2]) expect(everything).not.toContain(toBase64(secret.subarray(offset, offset + 24)));
}

function keyAlgorithmOf(certificate: Uint8Array): string {
  return parseDer(parseCertificate(certificate).spki, SubjectPublicKeyInfo).algorithm.algorithm;
}

async function rejected(promise: Promise<unknown>): Promise<CmpClientError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CmpClientError);
  return error as CmpClientError;
}

describe("central key generation through the client library", () => {
  it("MAC: the server's default key type (P-256), pvno 3 both ways, the key package opened and matching the certificate", async () => {
    await start();
    const result = await macClient().ir({ subject: "CN=central-mac", centralKeyGeneration: {} });
    expect(result.privateKey).toBeDefined();
    expect(await privateKeyMatches(result.privateKey!, parseCertificate(result.certificate).spki)).toBe(true);
    expect(keyAlgorithmOf(result.certificate)).toBe(OID.ecPublicKey);
    const ir = parseDer(server.requests[0]!, PKIMessage);
    expect(ir.header.pvno).toBe(3);
    expect(ir.body.ir![0]!.popo).toBeUndefined();
    expect(ir.body.ir![0]!.certReq.certTemplate.publicKey).toBeUndefined();
    await expectNotStored(result.privateKey!);
  });

  it("MAC: the template names RSA (algorithm only, empty key) and gets a 2048-bit RSA key", async () => {
    await start();
    const result = await macClient().ir({ subject: "CN=central-rsa", centralKeyGeneration: { keyType: "RSA" } });
    expect(keyAlgorithmOf(result.certificate)).toBe(OID.rsaEncryption);
    expect(await privateKeyMatches(result.privateKey!, parseCertificate(result.certificate).spki)).toBe(true);
    const template = parseDer(server.requests[0]!, PKIMessage).body.ir![0]!.certReq.certTemplate;
    expect(template.publicKey!.algorithm.algorithm).toBe(OID.rsaEncryption);
    expect(template.publicKey!.subjectPublicKey.byteLength).toBe(0);
    await expectNotStored(result.privateKey!);
  });

  it("signature with an EC certificate (key agreement) and with an RSA certificate (key transport)", async () => {
    await start();
    for (const kind of ["P-256", "RSA-2048"] as const) {
      const { client, pkcs8 } = await signingClient(kind);
      const result = await client.cr({ subject: `CN=central-${kind}`, centralKeyGeneration: { keyType: "Ed25519", decryptionKey: pkcs8 } });
      expect(keyAlgorithmOf(result.certificate)).toBe(OID.ed25519);
      expect(await privateKeyMatches(result.privateKey!, parseCertificate(result.certificate).spki)).toBe(true);
      await expectNotStored(result.privateKey!);
    }
  });

  it("signature: a protection certificate whose keyUsage lacks keyAgreement is refused (notAuthorized), nothing stored", async () => {
    await start();
    const { client, pkcs8 } = await signingClient("P-256", "signingOnly");
    const before = await storeDump();
    const error = await rejected(client.cr({ subject: "CN=no-agreement", centralKeyGeneration: { decryptionKey: pkcs8 } }));
    expect(error.statusInfo?.failInfo).toEqual(["notAuthorized"]);
    expect(error.message).toContain("keyAgreement");
    expect(await storeDump()).toBe(before);
  });

  it("a key type the profile does not generate is refused (badCertTemplate), nothing stored", async () => {
    await start();
    const before = await storeDump();
    const error = await rejected(macClient().ir({ subject: "CN=p384", centralKeyGeneration: { keyType: "P-384" } }));
    expect(error.statusInfo?.failInfo).toEqual(["badCertTemplate"]);
    expect(error.message).toContain("P-384 keys are not generated by this profile");
    expect(await storeDump()).toBe(before);
  });

  it("a profile without centralKeyGeneration refuses (notAuthorized), nothing stored", async () => {
    await start();
    const before = await storeDump();
    const error = await rejected(macClient("default").ir({ subject: "CN=not-offered", centralKeyGeneration: {} }));
    expect(error.statusInfo?.failInfo).toEqual(["notAuthorized"]);
    expect(error.message).toContain("does not offer it");
    expect(await storeDump()).toBe(before);
  });

  it("a request that would wait for approval is refused rather than keep a private key (notAuthorized), nothing stored", async () => {
    await start();
    const before = await storeDump();
    const error = await rejected(macClient("held").ir({ subject: "CN=held", centralKeyGeneration: {} }));
    expect(error.statusInfo?.failInfo).toEqual(["notAuthorized"]);
    expect(error.message).toContain("wait for approval");
    expect(await storeDump()).toBe(before);
  });

  it("kur: a new certificate with a generated key replaces the protection certificate", async () => {
    await start();
    const { client, pkcs8 } = await signingClient("P-256");
    const result = await client.kur({ centralKeyGeneration: { decryptionKey: pkcs8 } });
    expect(await privateKeyMatches(result.privateKey!, parseCertificate(result.certificate).spki)).toBe(true);
    expect((await recordOf(server, result.certificate))?.supersedes).toBeDefined();
    await expectNotStored(result.privateKey!);
  });

  it("a proof of possession beside a request for central key generation is refused (badPOP), nothing stored", async () => {
    await start();
    const before = await storeDump();
    server.tamper = (request) => reprotect(request, "s3cret", (message) => {
      message.body.ir![0]!.popo = new ProofOfPossession({ raVerified: null });
    });
    const error = await rejected(macClient().ir({ subject: "CN=with-pop", centralKeyGeneration: {} }));
    expect(error.statusInfo?.failInfo).toEqual(["badPOP"]);
    expect(await storeDump()).toBe(before);
  });

  it("an Ed25519 protection certificate can receive no key: refused (notAuthorized), nothing stored", async () => {
    await start();
    const { client, pkcs8 } = await signingClient("Ed25519");
    const before = await storeDump();
    const error = await rejected(client.cr({ subject: "CN=ed-recipient", centralKeyGeneration: { decryptionKey: pkcs8 } }));
    expect(error.statusInfo?.failInfo).toEqual(["notAuthorized"]);
    expect(error.message).toContain("can receive no encrypted private key");
    expect(await storeDump()).toBe(before);
  });

  it("the client refuses a tampered envelope or key package: a protocol error, never a key", async () => {
    await start();
    // The ip as the server sent it, caught on its way to the client.
    const answers: Uint8Array[] = [];
    const client = new CmpClient({
      url: profileUrl(server, "keygen"),
      protection: { mac: { reference: "dev", secret: "s3cret" } },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const body = new Uint8Array(await response.arrayBuffer());
        answers.push(body);
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });
    const result = await client.ir({ subject: "CN=tamper", centralKeyGeneration: {} });
    const ip = parseDer(answers[0]!, PKIMessage);
    const pair = ip.body.ip!.response[0]!.certifiedKeyPair!;
    const certificate = parseCertificate(result.certificate);
    const candidates = (ip.extraCerts ?? []).map((c) => serializeDer(c));
    const recipient = { kind: "password" as const, secret: new TextEncoder().encode("s3cret") };
    expect(await openCentralKey(pair.privateKey, recipient, certificate, candidates)).toEqual(result.privateKey);

    const content = new Uint8Array(pair.privateKey!.envelopedData!.encryptedContentInfo.encryptedContent!.value!.buffer);
    for (const index of [0, content.length >> 1, content.length - 1]) {
      content[index]! ^= 0x01;
      const error = await openCentralKey(pair.privateKey, recipient, certificate, candidates).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CmpClientError);
      expect((error as CmpClientError).kind).toBe("protocol");
      expect((error as Error).message).toMatch(/^the generated private key is refused/);
      content[index]! ^= 0x01;
    }
    // The wrong secret, and a certificate the key does not belong to.
    await expect(openCentralKey(pair.privateKey, { kind: "password", secret: new TextEncoder().encode("wrong") }, certificate, candidates)).rejects.toThrow(/refused/);
    const other = await macClient().ir({ subject: "CN=other", centralKeyGeneration: {} });
    await expect(openCentralKey(pair.privateKey, recipient, parseCertificate(other.certificate), candidates)).rejects.toThrow(/is not the key of the certificate/);
  });
});
