import { afterAll, describe, expect, it, vi } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import { SignerError } from "../../src/kms/signer.js";
import { encodePem } from "../../src/asn1/pem.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";

const dir = makeTempDirSync("jellyfish-kms-local-");
afterAll(() => dir.remove());

const hex = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");
const algorithmDer = (signer: LocalSigner) => hex(AsnConvert.serialize(signer.algorithm));

// DER AlgorithmIdentifiers as X.509 writes them (RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3).
const ECDSA_SHA256 = "300a06082a8648ce3d040302";
const ECDSA_SHA384 = "300a06082a8648ce3d040303";
const RSA_SHA256 = "300d06092a864886f70d01010b0500";
const ED25519 = "300506032b6570";

/** Verify `signature` over `data` with openssl, given the SPKI. */
function opensslVerifies(kind: string, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const tag = `${kind}-${Math.random().toString(36).slice(2)}`;
  const pub = dir.write(`${tag}.pub.der`, spki);
  const msg = dir.write(`${tag}.msg`, data);
  const sig = dir.write(`${tag}.sig`, signature);
  const args =
    kind === "Ed25519"
      ? ["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig]
      : ["dgst", kind === "P-384" ? "-sha384" : "-sha256", "-keyform", "DER", "-verify", pub, "-signature", sig, msg];
  const result = opensslSync(args);
  return result.code === 0 && /Verified OK|Signature Verified Successfully/.test(result.stdout);
}

describe("LocalSigner from generated keys", () => {
  const cases: { kind: LocalKeyKind; algorithm: string }[] = [
    { kind: "P-256", algorithm: ECDSA_SHA256 },
    { kind: "P-384", algorithm: ECDSA_SHA384 },
    { kind: "RSA-2048", algorithm: RSA_SHA256 },
    { kind: "Ed25519", algorithm: ED25519 },
  ];
  for (const { kind, algorithm } of cases) {
    it(`${kind}: derives the public key, names the algorithm, signs what openssl verifies`, async () => {
      const { pkcs8, spki } = await generateLocalKey(kind);
      const signer = await LocalSigner.fromPkcs8(pkcs8);
      expect(hex(signer.publicKey)).toBe(hex(spki));
      expect(algorithmDer(signer)).toBe(algorithm);

      const data = globalThis.crypto.getRandomValues(new Uint8Array(1000));
      const signature = await signer.sign(data);
      if (kind.startsWith("P-")) expect(signature[0]).toBe(0x30); // DER ECDSA-Sig-Value, not raw r||s
      const family = kind.startsWith("RSA") ? "RSA" : kind;
      expect(opensslVerifies(family, signer.publicKey, data, signature)).toBe(true);
      const tampered = data.slice();
      tampered[0] ^= 1;
      expect(opensslVerifies(family, signer.publicKey, tampered, signature)).toBe(false);
    });
  }

  it("accepts the same key as PEM text and as PEM bytes", async () => {
    const { pkcs8, spki } = await generateLocalKey("P-256");
    const pem = encodePem("PRIVATE KEY", pkcs8);
    expect(hex((await LocalSigner.fromPkcs8(pem)).publicKey)).toBe(hex(spki));
    expect(hex((await LocalSigner.fromPkcs8(new TextEncoder().encode(`\n${pem}`))).publicKey)).toBe(hex(spki));
  });

  it("generates RSA-3072 keys of that size", async () => {
    const { spki } = await generateLocalKey("RSA-3072");
    const text = mustOpensslSync(["pkey", "-pubin", "-inform", "DER", "-noout", "-text"], { input: spki });
    expect(text).toMatch(/3072 bit/);
  });
});

describe("LocalSigner from `openssl genpkey` keys", () => {
  const cases: { name: string; genpkey: string[]; algorithm: string; family: string }[] = [
    { name: "P-256", genpkey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], algorithm: ECDSA_SHA256, family: "P-256" },
    { name: "P-384", genpkey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], algorithm: ECDSA_SHA384, family: "P-384" },
    { name: "RSA-2048", genpkey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], algorithm: RSA_SHA256, family: "RSA" },
    { name: "Ed25519", genpkey: ["-algorithm", "ED25519"], algorithm: ED25519, family: "Ed25519" },
  ];
  for (const { name, genpkey, algorithm, family } of cases) {
    it(`${name}: public key matches openssl's, signatures verify`, async () => {
      const keyFile = dir.file(`genpkey-${name}.pem`);
      mustOpensslSync(["genpkey", ...genpkey, "-out", keyFile]);
      const pem = dir.readText(`genpkey-${name}.pem`);
      const spkiFile = dir.file(`genpkey-${name}.spki.der`);
      mustOpensslSync(["pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", spkiFile]);
      const signer = await LocalSigner.fromPkcs8(pem);
      expect(hex(signer.publicKey)).toBe(hex(dir.read(`genpkey-${name}.spki.der`)));
      expect(algorithmDer(signer)).toBe(algorithm);
      const data = new TextEncoder().encode(`to be signed by ${name}`);
      expect(opensslVerifies(family, signer.publicKey, data, await signer.sign(data))).toBe(true);
    });
  }
});

describe("LocalSigner refuses what it cannot serve", () => {
  const rejects = async (input: string | Uint8Array, message: RegExp) => {
    const error = await LocalSigner.fromPkcs8(input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SignerError);
    expect((error as SignerError).transient).toBe(false);
    expect((error as SignerError).message).toMatch(message);
  };

  it("P-521 and RSA-1024 keys", async () => {
    await rejects(mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]), /unsupported EC curve 1\.3\.132\.0\.35/);
    await rejects(mustOpensslSync(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]), /RSA key of 1024 bits/);
  });

  it("traditional and encrypted PEM, and garbage", async () => {
    const traditional = mustOpensslSync(["ecparam", "-name", "prime256v1", "-genkey", "-noout"]);
    expect(traditional).toContain("BEGIN EC PRIVATE KEY");
    await rejects(traditional, /not PKCS #8; convert it/);
    const plain = mustOpensslSync(["genpkey", "-algorithm", "ED25519"]);
    const encrypted = mustOpensslSync(["pkcs8", "-topk8", "-v2", "aes-128-cbc", "-passout", "pass:secret"], { input: plain });
    await rejects(encrypted, /encrypted/);
    await rejects(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), /not PKCS #8 DER/);
    await rejects("no pem here", /no PRIVATE KEY/);
  });

  it("turns a WebCrypto signing failure into a permanent SignerError", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    const spy = vi.spyOn(globalThis.crypto.subtle, "sign").mockRejectedValueOnce(new Error("operation failed"));
    try {
      const error = await signer.sign(new Uint8Array(8)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SignerError);
      expect((error as SignerError).transient).toBe(false);
      expect((error as SignerError).message).toMatch(/operation failed/);
    } finally {
      spy.mockRestore();
    }
    expect((await signer.sign(new Uint8Array(8)))[0]).toBe(0x30);
  });
});
