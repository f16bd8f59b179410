import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { issueCertificate } from "../../src/ca/certificate_builder.js";
import { createIntermediateCa } from "../../src/ca/intermediate.js";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { decodeSinglePem, encodePem } from "../../src/asn1/pem.js";
import { loadCertificateProfile } from "../../src/config/load_certificate_profile.js";
import type { CertificateProfile } from "../../src/config/profile.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import type { Signer } from "../../src/kms/signer.js";
import { makeTempDirSync, mustOpensslSync, opensslSync } from "../support/openssl.js";
import { x509Extension } from "./openssl_cli.js";
import { TBS, tbsField } from "./tbs_field.js";

const dir = makeTempDirSync("jellyfish-ca-intermediate-");
afterAll(() => dir.remove());

const NOW = new Date("2026-05-01T12:00:00Z");
const DAY = 86400;
const epoch = (date: Date, plusSeconds = 0) => String(Math.floor(date.getTime() / 1000) + plusSeconds);

const eeProfile: CertificateProfile = {
  ...loadCertificateProfile({}, "certificate"),
  validitySeconds: 30 * DAY,
  backdateSeconds: 0,
  keyUsage: ["digitalSignature"],
  extendedKeyUsage: ["1.3.6.1.5.5.7.3.2"],
};

const { ISSUER, SUBJECT } = TBS;

async function localSigner(kind: LocalKeyKind): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey(kind)).pkcs8);
}

async function makeRoot(kind: LocalKeyKind, validitySeconds = 20 * 365 * DAY): Promise<{ signer: Signer; certificate: Uint8Array }> {
  const signer = await localSigner(kind);
  return { signer, certificate: await createSelfSignedCa({ signer, subject: `CN=Root ${kind},O=Jellyfish`, validitySeconds, now: NOW }) };
}

/** A root made by openssl itself, with extra basicConstraints/keyUsage text; its signer loads the openssl key. */
async function opensslRoot(name: string, basicConstraints: string, keyUsage = "critical,keyCertSign,cRLSign") {
  const keyFile = dir.file(`${name}.key.pem`);
  mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
  const pem = mustOpensslSync([
    "req", "-x509", "-new", "-key", keyFile, "-subj", `/C=SE/O=Acme/CN=${name}`, "-days", "3650",
    "-addext", `basicConstraints=${basicConstraints}`, "-addext", `keyUsage=${keyUsage}`,
  ]);
  return { signer: await LocalSigner.fromPkcs8(dir.readText(`${name}.key.pem`)), certificate: decodeSinglePem(pem, "CERTIFICATE") };
}

/** RFC 5280 §4.2.1.2 method (1), computed here independently: SHA-1 of the subjectPublicKey bits, openssl's "AB:CD:..." form. */
function method1KeyId(spki: Uint8Array): string {
  const bits = new Uint8Array(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey);
  return createHash("sha1").update(bits).digest("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:");
}

function text(der: Uint8Array): string {
  return mustOpensslSync(["x509", "-inform", "DER", "-noout", "-text"], { input: der });
}

describe.each([
  ["P-256", "P-256"],
  ["RSA-2048", "P-384"],
  ["Ed25519", "RSA-2048"],
  ["P-384", "Ed25519"],
] as const)("a %s root over a %s intermediate", (rootKind, intermediateKind) => {
  it("issues an intermediate whose end-entity certificates openssl verifies up to the root", async () => {
    const root = await makeRoot(rootKind);
    const subjectSigner = await localSigner(intermediateKind);
    const intermediate = await createIntermediateCa({
      issuer: root,
      subjectSigner,
      subject: "CN=Issuing CA,O=Jellyfish",
      validitySeconds: 1825 * DAY,
      now: NOW,
    });
    const ee = await issueCertificate({
      ca: { signer: subjectSigner, certificate: intermediate, chain: [intermediate, root.certificate] },
      subject: parseDistinguishedName("CN=dev1"),
      subjectPublicKeyInfo: (await generateLocalKey("P-256")).spki,
      profile: eeProfile,
      now: NOW,
    });
    const rootFile = dir.write(`root-${rootKind}.pem`, encodePem("CERTIFICATE", root.certificate));
    const intermediateFile = dir.write(`int-${intermediateKind}.pem`, encodePem("CERTIFICATE", intermediate));
    const eeFile = dir.write(`ee-${rootKind}-${intermediateKind}.pem`, encodePem("CERTIFICATE", ee.der));

    // -x509_strict adds RFC 5280 checks (AKI present, critical basicConstraints, ...).
    const verify = opensslSync([
      "verify", "-x509_strict", "-attime", epoch(NOW, 60), "-CAfile", rootFile, "-untrusted", intermediateFile, eeFile,
    ]);
    expect(verify.stderr).toBe("");
    expect(verify.stdout.trim()).toBe(`${eeFile}: OK`);
    // The intermediate alone chains to the root as well.
    expect(opensslSync(["verify", "-x509_strict", "-attime", epoch(NOW, 60), "-CAfile", rootFile, intermediateFile]).stdout.trim()).toBe(
      `${intermediateFile}: OK`,
    );

    const intermediateText = text(intermediate);
    const rootText = text(root.certificate);
    expect(x509Extension(intermediateText, "Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:0" });
    expect(x509Extension(intermediateText, "Key Usage")).toEqual({ critical: true, value: "Digital Signature, Certificate Sign, CRL Sign" });
    const ski = x509Extension(intermediateText, "Subject Key Identifier");
    expect(ski?.critical).toBe(false);
    expect(ski?.value).toBe(method1KeyId(subjectSigner.publicKey));
    expect(x509Extension(intermediateText, "Authority Key Identifier")).toEqual({
      critical: false,
      value: x509Extension(rootText, "Subject Key Identifier")!.value,
    });
    expect(mustOpensslSync(["x509", "-inform", "DER", "-noout", "-pubkey"], { input: intermediate })).toBe(encodePem("PUBLIC KEY", subjectSigner.publicKey));
    // The issuer Name is the root's subject, octet for octet.
    expect(Buffer.from(tbsField(intermediate, ISSUER)).equals(Buffer.from(tbsField(root.certificate, SUBJECT)))).toBe(true);
  });
});

describe("createIntermediateCa", () => {
  it("clamps notAfter to the root's, and otherwise runs validitySeconds from a back-dated notBefore", async () => {
    const shortRoot = await makeRoot("P-256", 30 * DAY);
    const subjectPublicKeyInfo = (await generateLocalKey("P-256")).spki;
    const clamped = await createIntermediateCa({ issuer: shortRoot, subjectPublicKeyInfo, subject: "CN=Short", validitySeconds: 1825 * DAY, now: NOW });
    const rootEnd = mustOpensslSync(["x509", "-inform", "DER", "-noout", "-enddate"], { input: shortRoot.certificate });
    expect(mustOpensslSync(["x509", "-inform", "DER", "-noout", "-enddate"], { input: clamped })).toBe(rootEnd);
    expect(rootEnd.trim()).toBe("notAfter=May 31 12:00:00 2026 GMT");

    const longRoot = await makeRoot("P-256");
    const full = await createIntermediateCa({ issuer: longRoot, subjectPublicKeyInfo, subject: "CN=Full", validitySeconds: 1825 * DAY, now: NOW });
    expect(mustOpensslSync(["x509", "-inform", "DER", "-noout", "-startdate", "-enddate"], { input: full })).toBe(
      "notBefore=May  1 11:55:00 2026 GMT\nnotAfter=Apr 30 12:00:00 2031 GMT\n",
    );
  });

  it("copies an openssl root's subject octet for octet (PrintableString C) and honours its pathlen", async () => {
    const now = new Date();
    const root = await opensslRoot("Acme Root", "critical,CA:TRUE,pathlen:1");
    const subjectSigner = await localSigner("P-256");
    const intermediate = await createIntermediateCa({ issuer: root, subjectSigner, subject: "/C=SE/O=Acme/CN=Acme Devices CA", validitySeconds: 365 * DAY, now });
    expect(Buffer.from(tbsField(intermediate, ISSUER)).equals(Buffer.from(tbsField(root.certificate, SUBJECT)))).toBe(true);
    const rootFile = dir.write("acme-root.pem", encodePem("CERTIFICATE", root.certificate));
    const intermediateFile = dir.write("acme-int.pem", encodePem("CERTIFICATE", intermediate));
    expect(opensslSync(["verify", "-x509_strict", "-CAfile", rootFile, intermediateFile]).stdout.trim()).toBe(`${intermediateFile}: OK`);

    // pathlen 1 leaves room for an intermediate with pathlen 0 only.
    await expect(
      createIntermediateCa({ issuer: root, subjectSigner, subject: "CN=Deep", validitySeconds: DAY, now, pathLenConstraint: 1 }),
    ).rejects.toThrow(/pathLenConstraint 1 exceeds what the issuer allows below it \(0\)/);
  });

  it("writes a larger pathLenConstraint when asked", async () => {
    const root = await makeRoot("P-256");
    const intermediate = await createIntermediateCa({
      issuer: root, subjectSigner: await localSigner("P-256"), subject: "CN=Policy CA", validitySeconds: DAY, now: NOW, pathLenConstraint: 2,
    });
    expect(x509Extension(text(intermediate), "Basic Constraints")).toEqual({ critical: true, value: "CA:TRUE, pathlen:2" });
  });

  it("refuses what path validation would reject", async () => {
    const subjectSigner = await localSigner("P-256");
    const base = { subjectSigner, subject: "CN=Issuing CA", validitySeconds: 365 * DAY, now: new Date() };
    await expect(createIntermediateCa({ ...base, issuer: await opensslRoot("Leaf Root", "critical,CA:TRUE,pathlen:0") })).rejects.toThrow(
      /pathLenConstraint 0: it may not certify another CA/,
    );
    await expect(
      createIntermediateCa({ ...base, issuer: await opensslRoot("CRL Root", "critical,CA:TRUE", "critical,cRLSign,digitalSignature") }),
    ).rejects.toThrow(/lacks keyCertSign/);
    await expect(createIntermediateCa({ ...base, issuer: await opensslRoot("Not A CA", "critical,CA:FALSE", "critical,digitalSignature") })).rejects.toThrow(
      /basicConstraints cA TRUE/,
    );
    const root = await makeRoot("P-256", 30 * DAY);
    await expect(createIntermediateCa({ ...base, issuer: root, now: new Date(NOW.getTime() + 31 * DAY * 1000) })).rejects.toThrow(/has expired/);
    await expect(createIntermediateCa({ ...base, issuer: root, now: NOW, subject: "CN=Root P-256,O=Jellyfish" })).rejects.toThrow(
      /must differ from its issuer's/,
    );
    // The issuer's signer must hold the key of the issuer certificate.
    await expect(createIntermediateCa({ ...base, issuer: { ...root, signer: subjectSigner }, now: NOW })).rejects.toThrow(/not the signer's key/);
  });

  it("checks its own arguments", async () => {
    const root = await makeRoot("P-256");
    const subjectSigner = await localSigner("P-256");
    const base = { issuer: root, subject: "CN=x", validitySeconds: DAY, now: NOW };
    await expect(createIntermediateCa(base)).rejects.toThrow(/exactly one of subjectSigner and subjectPublicKeyInfo/);
    await expect(createIntermediateCa({ ...base, subjectSigner, subjectPublicKeyInfo: subjectSigner.publicKey })).rejects.toThrow(/exactly one/);
    await expect(createIntermediateCa({ ...base, subjectSigner, subject: "" })).rejects.toThrow(/must not be empty/);
    await expect(createIntermediateCa({ ...base, subjectSigner, validitySeconds: 0 })).rejects.toThrow(/positive/);
    await expect(createIntermediateCa({ ...base, subjectSigner, pathLenConstraint: -1 })).rejects.toThrow(/pathLenConstraint/);
  });

  it("signs through the issuer's signer only: the subject signer is never asked to sign", async () => {
    const root = await makeRoot("P-256");
    const inner = await localSigner("P-256");
    let subjectSigns = 0;
    const subjectSigner: Signer = { algorithm: inner.algorithm, publicKey: inner.publicKey, sign: (data) => (subjectSigns++, inner.sign(data)) };
    await createIntermediateCa({ issuer: root, subjectSigner, subject: "CN=KMS CA", validitySeconds: DAY, now: NOW });
    expect(subjectSigns).toBe(0);
  });
});
