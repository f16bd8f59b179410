import { afterAll, describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { BasicConstraints, Extensions, KeyUsage, KeyUsageFlags, id_ce_basicConstraints, id_ce_keyUsage } from "@peculiar/asn1-x509";
import { createCertificationRequest, id_pkcs9_at_extensionRequest } from "../../src/ca/csr_builder.js";
import { encodePem } from "../../src/asn1/pem.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import type { Signer } from "../../src/kms/signer.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";

const dir = makeTempDirSync("jellyfish-ca-csr-");
afterAll(() => dir.remove());

describe.each(["P-256", "P-384", "RSA-2048", "Ed25519"] as const)("createCertificationRequest with a %s key", (kind: LocalKeyKind) => {
  it("makes a CSR openssl verifies, for the signer's key and the subject asked for", async () => {
    const { pkcs8, spki } = await generateLocalKey(kind);
    const signer = await LocalSigner.fromPkcs8(pkcs8);
    const der = await createCertificationRequest({ signer, subject: "CN=Example Devices CA,O=Example,C=SE" });
    const file = dir.write(`ca-${kind}.csr`, encodePem("CERTIFICATE REQUEST", der));

    // -verify checks the self-signature with the key inside: the proof of possession.
    const verify = opensslSync(["req", "-in", file, "-noout", "-verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout + verify.stderr).toMatch(/verify OK/);

    expect(mustOpensslSync(["req", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"]).trim()).toBe("subject=CN=Example Devices CA,O=Example,C=SE");
    expect(mustOpensslSync(["req", "-in", file, "-noout", "-pubkey"])).toBe(encodePem("PUBLIC KEY", spki));

    const text = mustOpensslSync(["req", "-in", file, "-noout", "-text"]);
    expect(text).toMatch(/Requested Extensions:/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s*CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s*Digital Signature, Certificate Sign, CRL Sign\n/);
  });
});

describe("createCertificationRequest", () => {
  it("is RFC 2986 v1 with one extensionRequest attribute holding the CA extensions", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    const csr = AsnConvert.parse(await createCertificationRequest({ signer, subject: "/O=Acme/CN=Issuing CA" }), CertificationRequest);
    const info = csr.certificationRequestInfo;
    expect(info.version).toBe(0);
    expect(csr.signatureAlgorithm.algorithm).toBe(signer.algorithm.algorithm);
    expect(info.attributes.map((attribute) => attribute.type)).toEqual([id_pkcs9_at_extensionRequest]);
    expect(info.attributes[0]!.values).toHaveLength(1);

    const extensions = AsnConvert.parse(info.attributes[0]!.values[0]!, Extensions);
    expect(extensions.map((extension) => [extension.extnID, extension.critical])).toEqual([
      [id_ce_basicConstraints, true],
      [id_ce_keyUsage, true],
    ]);
    const basic = AsnConvert.parse(extensions[0]!.extnValue.buffer, BasicConstraints);
    expect(basic.cA).toBe(true);
    // The root decides how deep the new CA may go; the request does not presume.
    expect(basic.pathLenConstraint).toBeUndefined();
    expect(AsnConvert.parse(extensions[1]!.extnValue.buffer, KeyUsage).toNumber()).toBe(
      KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign,
    );
  });

  it("for a device (ca: false): no extensionRequest at all, as `openssl req -new` writes it", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    const csr = AsnConvert.parse(await createCertificationRequest({ signer, subject: "CN=device", ca: false }), CertificationRequest);
    expect(csr.certificationRequestInfo.version).toBe(0);
    expect(csr.certificationRequestInfo.attributes).toHaveLength(0);
  });

  it("signs the request info exactly once through the Signer, and only that", async () => {
    const inner = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    const signed: Uint8Array[] = [];
    const signer: Signer = {
      algorithm: inner.algorithm,
      publicKey: inner.publicKey,
      sign: (data) => {
        signed.push(data);
        return inner.sign(data);
      },
    };
    const der = await createCertificationRequest({ signer, subject: "CN=KMS CA" });
    expect(signed).toHaveLength(1);
    // The octets signed are the certificationRequestInfo as sent.
    const sentInfo = AsnConvert.serialize(AsnConvert.parse(der, CertificationRequest).certificationRequestInfo);
    expect(Buffer.from(signed[0]!).equals(Buffer.from(sentInfo))).toBe(true);
  });

  it("refuses an empty subject, and a bad DN with the parser's reason", async () => {
    const signer = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
    await expect(createCertificationRequest({ signer, subject: "" })).rejects.toThrow(/must not be empty/);
    await expect(createCertificationRequest({ signer, subject: "XX=nope" })).rejects.toThrow(/unknown attribute type "XX"/);
  });
});
