import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Certificate, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { AsymmetricKeyPackage } from "../../src/asn1/asymmetric_key_package.js";
import { privateKeyMatches } from "../../src/crypto/key_pair_match.js";
import { ContentInfo, SignedData } from "@peculiar/asn1-cms";
import { serializeDer } from "../../src/asn1/serialize_der.js";
import { id_data, id_signedData } from "../../src/asn1/cms_oids.js";
import { decodeDer } from "../../src/asn1/codec/der_decoder.js";
import { encodeExplicit, encodeSequence } from "../../src/asn1/der.js";
import { EnvelopedData } from "../../src/asn1/enveloped_data.js";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { parseDer } from "../../src/asn1/parse_der.js";
import { envelope } from "../../src/cms/enveloped_data.js";
import { EnvelopeError, openEnvelopedData, type RecipientKey } from "../../src/cms/open_enveloped_data.js";
import type { KeyRecipient } from "../../src/cms/recipient.js";
import { signKeyPackage } from "../../src/cms/signed_key_package.js";
import { KeyPackageError, verifyKeyPackage } from "../../src/cms/verify_key_package.js";
import { generateKeyPair } from "../../src/crypto/key_generation.js";
import { parseCertificate } from "../../src/crypto/parsed_certificate.js";
import { pwriUnwrap, pwriWrap } from "../../src/crypto/pwri_kek.js";
import { importAesCbcKey } from "../../src/crypto/aes_cbc.js";
import { makeTestCa, type TestCa } from "../support/test_ca.js";
import { makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";

// The CMS of central key generation (RFC 9483 §4.1.6) on its own: what
// src/cms builds, openssl cms reads, and what openssl cms builds,
// src/cms opens; and an altered envelope or package never yields a key.

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const SECRET = new TextEncoder().encode("a shared secret");

let ca: TestCa;
let dir: TempDir;
/** Recipient certificates made by openssl, with their keys (PKCS #8 DER) and SPKIs. */
const recipients: Record<"ec" | "rsa", { certificate: Uint8Array; privateKey: Uint8Array; spki: Uint8Array; certPath: string; keyPath: string }> = {} as never;

beforeAll(async () => {
  ca = await makeTestCa();
  dir = await makeTempDir();
  for (const [name, newkey] of [["ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]], ["rsa", ["-newkey", "rsa:2048"]]] as const) {
    const keyPath = dir.file(`${name}.key`);
    const certPath = dir.file(`${name}.pem`);
    await mustOpenssl(["req", "-x509", ...newkey, "-nodes", "-keyout", keyPath, "-subj", `/CN=${name}`, "-addext", "subjectKeyIdentifier=hash", "-out", certPath]);
    await mustOpenssl(["pkcs8", "-topk8", "-nocrypt", "-in", keyPath, "-outform", "DER", "-out", `${keyPath}.der`]);
    const certificate = decodeCertificatesPem(await readFile(certPath, "utf8"))[0]!;
    recipients[name] = { certificate, privateKey: new Uint8Array(await readFile(`${keyPath}.der`)), spki: parseCertificate(certificate).spki, certPath, keyPath };
  }
});
afterAll(() => dir.remove());

function recipientOf(kind: "password" | "ec" | "rsa"): { sender: KeyRecipient; receiver: RecipientKey } {
  if (kind === "password") return { sender: { kind: "password", secret: SECRET, keyWrap: "aesKeyWrap" }, receiver: { kind: "password", secret: SECRET } };
  const { certificate, privateKey, spki } = recipients[kind];
  return { sender: { kind: "certificate", certificate: decodeDer(certificate, Certificate), spki }, receiver: { kind: "privateKey", privateKey, spki } };
}

async function keyPackage(form?: "asymmetricKeyPackage" | "privateKeyInfo") {
  const pair = await generateKeyPair("P-256", 2048);
  const privateKey = pair.privateKey.slice();
  const signedData = await signKeyPackage(pair.privateKey, { signer: ca.ca.signer, certificates: ca.ca.chain }, new Date(), form);
  return { privateKey, signedData };
}

/** DER ContentInfo around `content`, what openssl cms reads and writes. */
function contentInfo(type: string, content: Uint8Array): Uint8Array {
  const oid = type === id_signedData ? "06092a864886f70d010702" : "06092a864886f70d010703";
  return encodeSequence([Uint8Array.from(Buffer.from(oid, "hex")), encodeExplicit(0, content)]);
}

describe("round trips through src/cms", () => {
  it.each(["password", "ec", "rsa"] as const)("%s: envelope, open, verify: the same private key", async (kind) => {
    const { privateKey, signedData } = await keyPackage();
    const { sender, receiver } = recipientOf(kind);
    const enveloped = parseDer(await envelope(signedData, id_signedData, sender, random), EnvelopedData);
    expect(enveloped.version).toBe(kind === "password" ? 3 : 2);
    const opened = await openEnvelopedData(enveloped, receiver);
    expect(await verifyKeyPackage(opened, parseCertificate(ca.ca.certificate))).toEqual(privateKey);
  });

  it("the OpenSSL 3.5 form (a bare PrivateKeyInfo as id-data) verifies to the same key", async () => {
    const { privateKey, signedData } = await keyPackage("privateKeyInfo");
    expect(await verifyKeyPackage(signedData, parseCertificate(ca.ca.certificate))).toEqual(privateKey);
    expect(parseDer(signedData, SignedData).encapContentInfo.eContentType).toBe(id_data);
  });
});

describe("the SignedData's layout (RFC 9483 §4.1.6)", () => {
  it("version 3, one digest algorithm, one SignerInfo v3 named by subjectKeyIdentifier, the signer's certificate first", async () => {
    const kga = await makeTestCa("P-256", "CN=Layout CA");
    const pair = await generateKeyPair("P-256", 2048);
    const chain = [kga.ca.certificate, ca.ca.certificate];
    const parsed = parseDer(await signKeyPackage(pair.privateKey, { signer: kga.ca.signer, certificates: chain }, new Date()), SignedData);
    expect(parsed.version).toBe(3);
    expect(parsed.digestAlgorithms).toHaveLength(1);
    expect(parsed.encapContentInfo.eContentType).toBe("2.16.840.1.101.2.1.2.78.5");
    expect(parsed.signerInfos).toHaveLength(1);
    expect(parsed.signerInfos[0]!.version).toBe(3);
    expect(parsed.signerInfos[0]!.sid.subjectKeyIdentifier).toBeDefined();
    expect(parsed.certificates!.map((choice) => serializeDer(choice.certificate!))).toEqual(chain);
    expect(parsed.signerInfos[0]!.signedAttrs!.map((attribute) => attribute.attrType).sort()).toEqual(["1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5"]);
  });
});

describe("the RFC 9483 and the OpenSSL 3.5 dialects", () => {
  it("a password recipient with AES-256 key wrap (RFC 9481 §4.3.1) or with PWRI-KEK (RFC 3211) opens alike", async () => {
    const { privateKey, signedData } = await keyPackage();
    for (const keyWrap of ["aesKeyWrap", "pwriKek"] as const) {
      const enveloped = parseDer(await envelope(signedData, id_signedData, { kind: "password", secret: SECRET, keyWrap }, random), EnvelopedData);
      const algorithm = enveloped.recipientInfos[0]!.pwri!.keyEncryptionAlgorithm;
      expect(algorithm.algorithm).toBe(keyWrap === "aesKeyWrap" ? "2.16.840.1.101.3.4.1.45" : "1.2.840.113549.1.9.16.3.9");
      if (keyWrap === "aesKeyWrap") expect(algorithm.parameters).toBeUndefined();
      expect(await verifyKeyPackage(await openEnvelopedData(enveloped, { kind: "password", secret: SECRET }), parseCertificate(ca.ca.certificate))).toEqual(privateKey);
    }
  });

  it("with the public key given, the AsymmetricKeyPackage holds a OneAsymmetricKey v2 with it", async () => {
    const pair = await generateKeyPair("P-256", 2048);
    const signedData = await signKeyPackage(pair.privateKey.slice(), { signer: ca.ca.signer, certificates: ca.ca.chain }, new Date(), "asymmetricKeyPackage", pair.publicKey);
    const content = new Uint8Array(parseDer(signedData, SignedData).encapContentInfo.eContent!.single!.buffer);
    const [key] = parseDer(content, AsymmetricKeyPackage);
    expect(key!.version).toBe(1);
    expect(new Uint8Array(key!.publicKey!)).toEqual(new Uint8Array(parseDer(pair.publicKey, SubjectPublicKeyInfo).subjectPublicKey));
    expect(await privateKeyMatches(await verifyKeyPackage(signedData, parseCertificate(ca.ca.certificate)), pair.publicKey)).toBe(true);
  });
});

describe("openssl cms reads what src/cms writes", () => {
  it("verifies the SignedData against the CA, and decrypts each kind of envelope", async () => {
    const { signedData } = await keyPackage();
    await writeFile(dir.file("ca.pem"), ca.certificatePem);
    await writeFile(dir.file("sd.der"), contentInfo(id_signedData, signedData));
    await mustOpenssl(["cms", "-verify", "-inform", "DER", "-in", dir.file("sd.der"), "-CAfile", dir.file("ca.pem"), "-purpose", "any", "-out", dir.file("content.der")]);
    for (const kind of ["password", "ec", "rsa"] as const) {
      // openssl cms reads PWRI-KEK only (which is why openssl cmp 3.5's requests get it), not RFC 9481's AES key wrap.
      const sender: KeyRecipient = kind === "password" ? { kind: "password", secret: SECRET, keyWrap: "pwriKek" } : recipientOf(kind).sender;
      const der = await envelope(signedData, id_signedData, sender, random);
      await writeFile(dir.file(`env-${kind}.der`), contentInfo("envelopedData", der));
      const args = kind === "password" ? ["-pwri_password", "a shared secret"] : ["-inkey", recipients[kind].keyPath, "-recip", recipients[kind].certPath];
      await mustOpenssl(["cms", "-decrypt", "-inform", "DER", "-in", dir.file(`env-${kind}.der`), ...args, "-out", dir.file(`dec-${kind}.der`)]);
      expect(new Uint8Array(await readFile(dir.file(`dec-${kind}.der`)))).toEqual(signedData);
    }
  });
});

describe("src/cms opens what openssl cms writes", () => {
  it.each([
    ["password (PWRI-KEK, AES-128)", "password", ["-aes128", "-pwri_password", "a shared secret"]],
    ["EC (ECDH with the SHA-256 X9.63 KDF)", "ec", ["-aes256", "-recip", "ec.pem", "-keyopt", "ecdh_kdf_md:sha256"]],
    ["RSA (RSAES-OAEP SHA-256)", "rsa", ["-aes256", "-recip", "rsa.pem", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"]],
  ] as const)("%s", async (_, kind, options) => {
    const content = random(100);
    await writeFile(dir.file("plain.bin"), content);
    const args = options.map((arg) => (arg.endsWith(".pem") ? dir.file(arg) : arg));
    await mustOpenssl(["cms", "-encrypt", "-binary", "-in", dir.file("plain.bin"), "-outform", "DER", "-out", dir.file("openssl-env.der"), ...args]);
    const info = decodeDer(new Uint8Array(await readFile(dir.file("openssl-env.der"))), ContentInfo);
    const enveloped = parseDer(info.content, EnvelopedData);
    expect(await openEnvelopedData(enveloped, recipientOf(kind).receiver)).toEqual(content);
  });
});

describe("nothing altered opens", () => {
  it.each(["password", "ec", "rsa"] as const)("%s: every altered octet of the encrypted content or key fails, never a key", async (kind) => {
    const { signedData } = await keyPackage();
    const { sender, receiver } = recipientOf(kind);
    const der = await envelope(signedData, id_signedData, sender, random);
    const original = parseDer(der, EnvelopedData);
    const content = new Uint8Array(original.encryptedContentInfo.encryptedContent!.value!.buffer);
    const info = original.recipientInfos[0]!;
    const wrapped = new Uint8Array((info.pwri?.encryptedKey ?? info.ktri?.encryptedKey ?? info.kari!.recipientEncryptedKeys[0]!.encryptedKey).buffer);
    // One flip in the first, a middle and the last block of the content, and in the wrapped key.
    for (const [target, index] of [[content, 3], [content, content.length >> 1], [content, content.length - 1], [wrapped, 5]] as const) {
      const tampered = parseDer(der, EnvelopedData);
      const bytes = target === content
        ? new Uint8Array(tampered.encryptedContentInfo.encryptedContent!.value!.buffer)
        : new Uint8Array((tampered.recipientInfos[0]!.pwri?.encryptedKey ?? tampered.recipientInfos[0]!.ktri?.encryptedKey ?? tampered.recipientInfos[0]!.kari!.recipientEncryptedKeys[0]!.encryptedKey).buffer);
      bytes[index]! ^= 0x01;
      const outcome = await openEnvelopedData(tampered, receiver)
        .then((opened) => verifyKeyPackage(opened, parseCertificate(ca.ca.certificate)))
        .then(() => "opened", (error: unknown) => error);
      expect(outcome === "opened" ? outcome : (outcome as Error).constructor).toSatisfy((c) => c === EnvelopeError || c === KeyPackageError);
    }
  });

  it("a wrong password and another certificate's key do not open", async () => {
    const { signedData } = await keyPackage();
    const password = parseDer(await envelope(signedData, id_signedData, recipientOf("password").sender, random), EnvelopedData);
    await expect(openEnvelopedData(password, { kind: "password", secret: new TextEncoder().encode("not the secret") })).rejects.toBeInstanceOf(EnvelopeError);
    const ec = parseDer(await envelope(signedData, id_signedData, recipientOf("ec").sender, random), EnvelopedData);
    const other = (await generateKeyPair("P-256", 2048));
    await expect(openEnvelopedData(ec, { kind: "privateKey", privateKey: other.privateKey, spki: other.publicKey })).rejects.toBeInstanceOf(EnvelopeError);
  });

  it("a key package signed by another CA is refused: its signer is neither the issuing CA nor a KGA it certified", async () => {
    const other = await makeTestCa("P-256", "CN=Other CA");
    const pair = await generateKeyPair("P-256", 2048);
    const foreign = await signKeyPackage(pair.privateKey, { signer: other.ca.signer, certificates: other.ca.chain }, new Date());
    await expect(verifyKeyPackage(foreign, parseCertificate(ca.ca.certificate))).rejects.toThrow(/neither the CA nor a key generation authority/);
  });

  it("a messageDigest that does not match the content is refused", async () => {
    const { signedData } = await keyPackage();
    // One octet of the key package altered: the signature still covers the old digest.
    const parsed = parseDer(signedData, SignedData);
    new Uint8Array(parsed.encapContentInfo.eContent!.single!.buffer)[20]! ^= 0x01;
    await expect(verifyKeyPackage(serializeDer(parsed), parseCertificate(ca.ca.certificate))).rejects.toThrow(/messageDigest does not match/);
  });

  it("SHA-1's X9.63 KDF (openssl cms's default for EC) is not run (RFC 9481 §4.1.2 lists SHA-2 schemes)", async () => {
    await writeFile(dir.file("plain.bin"), random(10));
    await mustOpenssl(["cms", "-encrypt", "-binary", "-in", dir.file("plain.bin"), "-outform", "DER", "-out", dir.file("sha1kdf.der"), "-aes256", "-recip", recipients.ec.certPath]);
    const info = decodeDer(new Uint8Array(await readFile(dir.file("sha1kdf.der"))), ContentInfo);
    await expect(openEnvelopedData(parseDer(info.content, EnvelopedData), recipientOf("ec").receiver)).rejects.toThrow(/not a dhSinglePass-stdDH scheme/);
  });
});

describe("RFC 3211 key wrap", () => {
  it("unwraps what it wraps, for 16, 24 and 32-octet keys; a wrong KEK fails the check", async () => {
    const kek = await importAesCbcKey(random(32));
    const otherKek = await importAesCbcKey(random(32));
    for (const length of [16, 24, 32]) {
      const cek = random(length);
      const iv = random(16);
      const wrapped = await pwriWrap(kek, iv, cek, random);
      expect(wrapped.length % 16).toBe(0);
      expect(await pwriUnwrap(kek, iv, wrapped)).toEqual(cek);
      await expect(pwriUnwrap(otherKek, iv, wrapped)).rejects.toThrow();
    }
  });
});

