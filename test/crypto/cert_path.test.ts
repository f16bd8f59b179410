import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { bytesEqual } from "../../src/asn1/bytes.js";
import { CmpError, type FailInfoName } from "../../src/asn1/pki_failure_info.js";
import { prepareTrustAnchors, validateCertificatePath, type TrustAnchors } from "../../src/crypto/cert_path.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { makeTempDirSync, mustOpensslSync, type KeyKind, type TempDirSync } from "../support/openssl.js";
import { oddOfBits, rsaSpki, withKey } from "./rsa_keys.js";

// verifySignature as it is, but counted: which keys the path search
// verifies with, and how often, is what the bounded-work tests assert.
vi.mock("../../src/crypto/signature.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/crypto/signature.js")>();
  return { ...actual, verifySignature: vi.fn(actual.verifySignature) };
});
const verifyCalls = vi.mocked(verifySignature);

/**
 * Chains made by the real openssl binary. `openssl ca` is used for every
 * certificate because OpenSSL 3.0's `req -x509` and `x509 -req` only take
 * -days (relative to the wall clock); `ca -startdate/-enddate` sets exact
 * dates, so expired and not-yet-valid certificates are possible and every
 * test runs at the fixed NOW below, whatever the day.
 */
const NOW = new Date("2026-06-01T00:00:00Z");
const ALWAYS = { start: "20200101000000Z", end: "20400101000000Z" };

const CA_EXT = [
  "basicConstraints=critical,CA:TRUE",
  "keyUsage=critical,keyCertSign,cRLSign",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
];
const EE_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
  "subjectAltName=DNS:device.example",
  "certificatePolicies=1.3.6.1.4.1.99999.7",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
];

interface Issued {
  name: string;
  key: string;
  der: Uint8Array;
}

let dir: TempDirSync;

function key(name: string, kind: KeyKind): string {
  const args: Record<KeyKind, string[]> = {
    "P-256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "P-384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "RSA-2048": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    Ed25519: ["-algorithm", "ED25519"],
  };
  mustOpensslSync(["genpkey", ...args[kind], "-out", `${name}.key`], { cwd: dir.path });
  return `${name}.key`;
}

/** A certificate for `key` with `subject`, issued by `issuer` (self-signed when absent). */
function issue(
  name: string,
  options: { subject: string; key: string; issuer?: Issued; ext: readonly string[]; start?: string; end?: string; md?: string },
): Issued {
  dir.write(`${name}.ext`, options.ext.join("\n") + "\n");
  mustOpensslSync(["req", "-new", "-key", options.key, "-subj", options.subject, "-out", `${name}.csr`], { cwd: dir.path });
  const signer = options.issuer ? ["-cert", `${options.issuer.name}.pem`, "-keyfile", options.issuer.key] : ["-selfsign", "-keyfile", options.key];
  mustOpensslSync([
    "ca", "-batch", "-config", "ca.cnf", ...signer, "-in", `${name}.csr`,
    "-startdate", options.start ?? ALWAYS.start, "-enddate", options.end ?? ALWAYS.end,
    "-md", options.md ?? "default", "-extfile", `${name}.ext`, "-preserveDN", "-notext", "-out", `${name}.pem`,
  ], { cwd: dir.path });
  const pem = dir.readText(`${name}.pem`);
  const base64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return { name, key: options.key, der: new Uint8Array(Buffer.from(base64, "base64")) };
}

async function failure(p: Promise<unknown>): Promise<{ failInfo: readonly FailInfoName[]; message: string }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e instanceof CmpError) return { failInfo: e.failInfo, message: e.message };
  throw new Error(`expected a CmpError, got ${String(e)}`);
}

function validate(
  certificate: Uint8Array,
  intermediates: readonly Uint8Array[],
  anchors: TrustAnchors,
  extra: { now?: Date; maxDepth?: number; maxSignatureChecks?: number; rsaMaxModulusBits?: number } = {},
) {
  return validateCertificatePath({ certificate, intermediates, anchors, ...extra, now: extra.now ?? NOW });
}

/** The same certificate with one byte of its serial number changed: same name and key, broken signature. */
function withOtherSerial(der: Uint8Array, delta: number): Uint8Array {
  const copy = der.slice();
  const tbs = readChildren(copy, readElement(copy, 0))[0]!;
  const serial = readChildren(copy, tbs)[1]!; // [0] version, then serialNumber
  copy[serial.end - 1] = (copy[serial.end - 1]! + delta) & 0xff;
  return copy;
}

/** The TBSCertificate bytes of a certificate: what its signature covers. */
function tbsOf(der: Uint8Array): Uint8Array {
  const tbs = readChildren(der, readElement(der, 0))[0]!;
  return der.slice(tbs.start, tbs.end);
}

/** The SubjectPublicKeyInfo of a certificate. */
function spkiOf(der: Uint8Array): Uint8Array {
  const tbs = readChildren(der, readElement(der, 0))[0]!;
  const spki = readChildren(der, tbs)[6]!; // [0] version, serial, signature, issuer, validity, subject, spki
  return der.slice(spki.start, spki.end);
}

function flipLastByte(der: Uint8Array): Uint8Array {
  const copy = der.slice();
  copy[copy.length - 1]! ^= 0x01;
  return copy;
}

const DIAMOND_WIDTH = 12;

// Every certificate of the suite, made once.
const c = {} as Record<string, Issued>;

beforeAll(() => {
  dir = makeTempDirSync("jellyfish-cert-path-");
  dir.write("ca.cnf", [
    "[ca]", "default_ca = CA_default",
    "[CA_default]", "database = index.txt", "new_certs_dir = .", "serial = serial", "default_md = default",
    "policy = policy_any", "unique_subject = no", "email_in_dn = no",
    "[policy_any]", "commonName = optional", "",
  ].join("\n"));
  dir.write("index.txt", "");
  dir.write("serial", "1000\n");

  // Keys of three kinds, so every signature scheme signs a certificate somewhere.
  const k = {
    root: key("root", "P-256"),
    inter: key("inter", "RSA-2048"),
    ee: key("ee", "Ed25519"),
    ee2: key("ee2", "P-256"),
    ed: key("ed", "Ed25519"),
    other: key("other", "P-256"),
    spare: key("spare", "P-256"),
    twinA: key("twinA", "P-256"),
    twinB: key("twinB", "P-384"),
  };

  // The trusted hierarchy: root (ECDSA) -> inter (RSA, pathlen 0) -> EE (Ed25519).
  c.root = issue("root", { subject: "/O=Jellyfish Tests/CN=Test Root", key: k.root, ext: CA_EXT });
  c.inter = issue("inter", { subject: "/O=Jellyfish Tests/CN=Test Intermediate", key: k.inter, issuer: c.root, ext: [...CA_EXT, "basicConstraints=critical,CA:TRUE,pathlen:0"] });
  c.eeViaInter = issue("eeViaInter", { subject: "/CN=Device via Intermediate", key: k.ee, issuer: c.inter, ext: EE_EXT });
  c.eeDirect = issue("eeDirect", { subject: "/CN=Device Direct", key: k.ee2, issuer: c.root, ext: EE_EXT });

  // An Ed25519 root signing an ECDSA end certificate.
  c.edRoot = issue("edRoot", { subject: "/CN=Ed25519 Root", key: k.ed, ext: CA_EXT });
  c.eeUnderEd = issue("eeUnderEd", { subject: "/CN=Device under Ed25519", key: k.ee2, issuer: c.edRoot, ext: EE_EXT });

  // An untrusted hierarchy.
  c.otherRoot = issue("otherRoot", { subject: "/CN=Other Root", key: k.other, ext: CA_EXT });
  c.otherInter = issue("otherInter", { subject: "/CN=Other Intermediate", key: k.spare, issuer: c.otherRoot, ext: CA_EXT });
  c.eeOther = issue("eeOther", { subject: "/CN=Other Device", key: k.ee2, issuer: c.otherInter, ext: EE_EXT });

  // Validity.
  c.eeExpired = issue("eeExpired", { subject: "/CN=Expired Device", key: k.ee2, issuer: c.root, ext: EE_EXT, start: "20210101000000Z", end: "20220101000000Z" });
  c.eeNotYet = issue("eeNotYet", { subject: "/CN=Future Device", key: k.ee2, issuer: c.root, ext: EE_EXT, start: "20300101000000Z", end: "20310101000000Z" });
  c.interExpired = issue("interExpired", { subject: "/CN=Old Intermediate", key: k.spare, issuer: c.root, ext: CA_EXT, start: "20200101000000Z", end: "20210101000000Z" });
  c.eeUnderExpiredInter = issue("eeUnderExpiredInter", { subject: "/CN=Device under Old Intermediate", key: k.ee2, issuer: c.interExpired, ext: EE_EXT });
  c.oldRoot = issue("oldRoot", { subject: "/CN=Old Root", key: k.spare, ext: CA_EXT, start: "20100101000000Z", end: "20250101000000Z" });
  c.eeUnderOldRoot = issue("eeUnderOldRoot", { subject: "/CN=Device under Old Root", key: k.ee2, issuer: c.oldRoot, ext: EE_EXT });

  // CA properties.
  c.interNotCa = issue("interNotCa", { subject: "/CN=Not a CA", key: k.spare, issuer: c.root, ext: ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyCertSign", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"] });
  c.eeUnderNotCa = issue("eeUnderNotCa", { subject: "/CN=Device under Not a CA", key: k.ee2, issuer: c.interNotCa, ext: EE_EXT });
  c.interNoCertSign = issue("interNoCertSign", { subject: "/CN=No CertSign CA", key: k.spare, issuer: c.root, ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,cRLSign", "subjectKeyIdentifier=hash"] });
  c.eeUnderNoCertSign = issue("eeUnderNoCertSign", { subject: "/CN=Device under No CertSign", key: k.ee2, issuer: c.interNoCertSign, ext: EE_EXT });
  c.subInter = issue("subInter", { subject: "/CN=Sub Intermediate", key: k.spare, issuer: c.inter, ext: CA_EXT });
  c.eeTooDeep = issue("eeTooDeep", { subject: "/CN=Device too deep", key: k.ee2, issuer: c.subInter, ext: EE_EXT });
  c.freeInter = issue("freeInter", { subject: "/CN=Free Intermediate", key: k.other, issuer: c.root, ext: CA_EXT });
  c.freeSub = issue("freeSub", { subject: "/CN=Free Sub", key: k.spare, issuer: c.freeInter, ext: CA_EXT });
  c.eeFreeSub = issue("eeFreeSub", { subject: "/CN=Device under Free Sub", key: k.ee2, issuer: c.freeSub, ext: EE_EXT });
  c.interNc = issue("interNc", { subject: "/CN=Constrained CA", key: k.spare, issuer: c.root, ext: [...CA_EXT, "nameConstraints=critical,permitted;DNS:example.com"] });
  c.eeUnderNc = issue("eeUnderNc", { subject: "/CN=Device under Constrained CA", key: k.ee2, issuer: c.interNc, ext: EE_EXT });

  // End-entity properties.
  c.eeNoDigSig = issue("eeNoDigSig", { subject: "/CN=Encryption only", key: k.ee2, issuer: c.root, ext: ["keyUsage=critical,keyEncipherment", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"] });
  c.eeUnknownCritical = issue("eeUnknownCritical", { subject: "/CN=Strange Device", key: k.ee2, issuer: c.root, ext: [...EE_EXT, "1.3.6.1.4.1.99999.1=critical,ASN1:NULL"] });
  c.eeUnknownNonCritical = issue("eeUnknownNonCritical", { subject: "/CN=Mildly Strange Device", key: k.ee2, issuer: c.root, ext: [...EE_EXT, "1.3.6.1.4.1.99999.1=ASN1:NULL"] });
  c.selfSignedEe = issue("selfSignedEe", { subject: "/CN=Pinned Device", key: k.ee2, ext: ["keyUsage=critical,digitalSignature", "subjectKeyIdentifier=hash"] });
  c.leafAnchor = issue("leafAnchor", { subject: "/CN=Leaf as Anchor", key: k.spare, ext: ["subjectKeyIdentifier=hash"] });
  c.eeUnderLeaf = issue("eeUnderLeaf", { subject: "/CN=Device under Leaf", key: k.ee2, issuer: c.leafAnchor, ext: EE_EXT });

  // Algorithms: SHA-1 signatures (ecdsa-with-SHA1; OpenSSL 3.0 signs them at the default security level).
  c.eeSha1 = issue("eeSha1", { subject: "/CN=SHA-1 Device", key: k.ee2, issuer: c.root, ext: EE_EXT, md: "sha1" });
  c.interSha1 = issue("interSha1", { subject: "/O=Jellyfish Tests/CN=Test Intermediate", key: k.inter, issuer: c.root, ext: [...CA_EXT, "basicConstraints=critical,CA:TRUE,pathlen:0"], md: "sha1" });
  // The same intermediate name and key, certified by the untrusted root (a cross-certificate).
  c.interCross = issue("interCross", { subject: "/O=Jellyfish Tests/CN=Test Intermediate", key: k.inter, issuer: c.otherRoot, ext: [...CA_EXT, "basicConstraints=critical,CA:TRUE,pathlen:0"] });

  // Two roots with one name and different keys.
  c.twinA = issue("twinA", { subject: "/CN=Twin CA", key: k.twinA, ext: CA_EXT });
  c.twinB = issue("twinB", { subject: "/CN=Twin CA", key: k.twinB, ext: CA_EXT });
  c.eeTwinAki = issue("eeTwinAki", { subject: "/CN=Twin Device with AKI", key: k.ee2, issuer: c.twinB, ext: EE_EXT });
  c.eeTwinNoAki = issue("eeTwinNoAki", { subject: "/CN=Twin Device without AKI", key: k.ee2, issuer: c.twinB, ext: ["keyUsage=critical,digitalSignature", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=none"] });

  // A loop: Loop A (self-signed) -> Loop B -> Loop A again (same key), which signs the device.
  c.loopA0 = issue("loopA0", { subject: "/CN=Loop A", key: k.twinA, ext: CA_EXT });
  c.loopB = issue("loopB", { subject: "/CN=Loop B", key: k.twinB, issuer: c.loopA0, ext: CA_EXT });
  c.loopA = issue("loopA", { subject: "/CN=Loop A", key: k.twinA, issuer: c.loopB, ext: CA_EXT });
  c.eeLoop = issue("eeLoop", { subject: "/CN=Loop Device", key: k.ee2, issuer: c.loopA, ext: EE_EXT });

  // A diamond: twelve certificates for one CA name and key, all issued by
  // Diamond B, which chains to the untrusted Diamond C.
  c.diamondC = issue("diamondC", { subject: "/CN=Diamond C", key: k.twinB, ext: CA_EXT });
  c.diamondB = issue("diamondB", { subject: "/CN=Diamond B", key: k.other, issuer: c.diamondC, ext: CA_EXT });
  for (let index = 0; index < DIAMOND_WIDTH; index++) {
    c[`diamondA${index}`] = issue(`diamondA${index}`, { subject: "/CN=Diamond A", key: k.spare, issuer: c.diamondB, ext: CA_EXT });
  }
  c.eeDiamond = issue("eeDiamond", { subject: "/CN=Diamond Device", key: k.ee2, issuer: c.diamondA0, ext: EE_EXT });
}, 120_000);

afterAll(() => dir?.remove());

describe("validateCertificatePath: paths that validate", () => {
  it("accepts an end certificate issued directly by an anchor (ECDSA P-256)", async () => {
    const anchors = prepareTrustAnchors([c.root!.der]);
    const path = await validate(c.eeDirect!.der, [], anchors);
    expect(path.chain).toEqual([c.eeDirect!.der, c.root!.der]);
    expect(path.anchor).toEqual(c.root!.der);
  });

  it("accepts a path through an intermediate: ECDSA root, RSA intermediate, Ed25519 end certificate", async () => {
    const path = await validate(c.eeViaInter!.der, [c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain).toEqual([c.eeViaInter!.der, c.inter!.der, c.root!.der]);
  });

  it("verifies Ed25519 certificate signatures", async () => {
    const path = await validate(c.eeUnderEd!.der, [], prepareTrustAnchors([c.edRoot!.der]));
    expect(path.anchor).toEqual(c.edRoot!.der);
  });

  it("finds the path among shuffled intermediates with junk, duplicates and the end certificate itself", async () => {
    const anchors = prepareTrustAnchors([c.otherRoot!.der, c.root!.der]);
    const junk = [
      new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
      c.inter!.der.subarray(0, 100),
      new Uint8Array(0),
      c.otherInter!.der,
      c.eeViaInter!.der,
      c.inter!.der,
      c.root!.der,
      c.eeDirect!.der,
      c.inter!.der,
      c.edRoot!.der,
    ];
    const path = await validate(c.eeViaInter!.der, junk, anchors);
    expect(path.chain).toEqual([c.eeViaInter!.der, c.inter!.der, c.root!.der]);
  });

  it("accepts two intermediates below a CA without pathLenConstraint", async () => {
    const path = await validate(c.eeFreeSub!.der, [c.freeSub!.der, c.freeInter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain).toEqual([c.eeFreeSub!.der, c.freeSub!.der, c.freeInter!.der, c.root!.der]);
  });

  it("ignores an unknown extension that is not critical", async () => {
    await expect(validate(c.eeUnknownNonCritical!.der, [], prepareTrustAnchors([c.root!.der]))).resolves.toBeDefined();
  });

  it("counts notAfter as inside the validity period (RFC 5280 §4.1.2.5)", async () => {
    const anchors = prepareTrustAnchors([c.root!.der]);
    const notAfter = new Date("2022-01-01T00:00:00Z");
    await expect(validate(c.eeExpired!.der, [], anchors, { now: notAfter })).resolves.toBeDefined();
    const later = await failure(validate(c.eeExpired!.der, [], anchors, { now: new Date(notAfter.getTime() + 1000) }));
    expect(later.failInfo).toEqual(["signerNotTrusted"]);
  });
});

describe("validateCertificatePath: pinned certificates", () => {
  it("trusts an end certificate that is itself an anchor, and nothing above it is needed", async () => {
    const path = await validate(c.eeDirect!.der, [], prepareTrustAnchors([c.eeDirect!.der]));
    expect(path).toEqual({ chain: [c.eeDirect!.der], anchor: c.eeDirect!.der });
  });

  it("trusts a pinned self-signed end certificate that is not a CA", async () => {
    const path = await validate(c.selfSignedEe!.der, [], prepareTrustAnchors([c.selfSignedEe!.der]));
    expect(path.chain).toEqual([c.selfSignedEe!.der]);
  });

  it("still refuses a pinned certificate outside its validity", async () => {
    const result = await failure(validate(c.eeExpired!.der, [], prepareTrustAnchors([c.eeExpired!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("expired");
  });

  it("does not trust the same self-signed certificate when it is not an anchor", async () => {
    const result = await failure(validate(c.selfSignedEe!.der, [c.selfSignedEe!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("Pinned Device");
  });
});

describe("validateCertificatePath: no path", () => {
  it("refuses when the intermediate is missing", async () => {
    const result = await failure(validate(c.eeViaInter!.der, [c.otherInter!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("CN=Device via Intermediate");
    expect(result.message).toContain("CN=Test Intermediate,O=Jellyfish Tests");
  });

  it("refuses a chain to a root that is not an anchor, even when the root is sent", async () => {
    const result = await failure(validate(c.eeOther!.der, [c.otherInter!.der, c.otherRoot!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("CN=Other Root");
    expect(result.message).toContain("not a trust anchor");
  });

  it("refuses an end certificate whose signature was tampered with", async () => {
    const result = await failure(validate(flipLastByte(c.eeDirect!.der), [], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("does not verify");
  });

  it("refuses an intermediate whose signature was tampered with", async () => {
    const result = await failure(validate(c.eeViaInter!.der, [withOtherSerial(c.inter!.der, 1)], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("signature on \"CN=Test Intermediate");
  });

  it("terminates on a loop of cross-certified CAs", async () => {
    const result = await failure(validate(c.eeLoop!.der, [c.loopA!.der, c.loopB!.der, c.loopA0!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("\"CN=Loop A\" is self-issued and not a trust anchor");
  });
});

describe("validateCertificatePath: validity at now", () => {
  const anchors = () => prepareTrustAnchors([c.root!.der, c.oldRoot!.der]);

  it("refuses an expired end certificate", async () => {
    const result = await failure(validate(c.eeExpired!.der, [], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toMatch(/end-entity certificate "CN=Expired Device" expired at 2022-01-01T00:00:00/);
  });

  it("refuses an end certificate that is not yet valid", async () => {
    const result = await failure(validate(c.eeNotYet!.der, [], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toMatch(/"CN=Future Device" is not valid before 2030-01-01/);
  });

  it("refuses a path through an expired intermediate", async () => {
    const result = await failure(validate(c.eeUnderExpiredInter!.der, [c.interExpired!.der], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toMatch(/intermediate CA certificate "CN=Old Intermediate" expired/);
  });

  it("refuses a path ending in an expired anchor", async () => {
    const result = await failure(validate(c.eeUnderOldRoot!.der, [], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toMatch(/trust anchor "CN=Old Root" expired at 2025-01-01/);
  });

  it("accepts the same path while the anchor was valid", async () => {
    await expect(validate(c.eeUnderOldRoot!.der, [], anchors(), { now: new Date("2024-06-01T00:00:00Z") })).resolves.toBeDefined();
  });
});

describe("validateCertificatePath: CA and end-entity constraints", () => {
  const anchors = () => prepareTrustAnchors([c.root!.der]);

  it("refuses an intermediate whose basicConstraints say cA FALSE", async () => {
    const result = await failure(validate(c.eeUnderNotCa!.der, [c.interNotCa!.der], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("\"CN=Not a CA\" is not a CA certificate");
  });

  it("refuses an anchor that is not a CA as an issuer", async () => {
    const result = await failure(validate(c.eeUnderLeaf!.der, [], prepareTrustAnchors([c.leafAnchor!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("trust anchor \"CN=Leaf as Anchor\" is not a CA certificate");
  });

  it("refuses an intermediate whose keyUsage lacks keyCertSign", async () => {
    const result = await failure(validate(c.eeUnderNoCertSign!.der, [c.interNoCertSign!.der], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("keyCertSign");
  });

  it("honours pathLenConstraint: pathlen 0 allows no intermediate below", async () => {
    const result = await failure(validate(c.eeTooDeep!.der, [c.subInter!.der, c.inter!.der], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toMatch(/"CN=Test Intermediate,O=Jellyfish Tests" allows 0 .*pathLenConstraint.* has 1/);
  });

  it("honours maxDepth", async () => {
    const intermediates = [c.freeSub!.der, c.freeInter!.der];
    const result = await failure(validate(c.eeFreeSub!.der, intermediates, anchors(), { maxDepth: 1 }));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain('"CN=Free Intermediate" would make the path longer than 1 intermediate');
    await expect(validate(c.eeFreeSub!.der, intermediates, anchors(), { maxDepth: 2 })).resolves.toBeDefined();
  });

  it("refuses an end certificate whose keyUsage lacks digitalSignature (RFC 9483 §3.1)", async () => {
    const result = await failure(validate(c.eeNoDigSig!.der, [], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("digitalSignature");
  });

  it("refuses an unrecognised critical extension", async () => {
    const result = await failure(validate(c.eeUnknownCritical!.der, [], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("1.3.6.1.4.1.99999.1");
  });

  it("refuses a path with nameConstraints instead of ignoring them", async () => {
    const result = await failure(validate(c.eeUnderNc!.der, [c.interNc!.der], anchors()));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("nameConstraints");
  });
});

describe("validateCertificatePath: algorithms and malformed input", () => {
  it("answers badAlg for a SHA-1-signed end certificate", async () => {
    const result = await failure(validate(c.eeSha1!.der, [], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["badAlg"]);
    expect(result.message).toContain("SHA-1");
  });

  it("answers badAlg when the only path has a SHA-1-signed intermediate", async () => {
    const result = await failure(validate(c.eeViaInter!.der, [c.interSha1!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["badAlg"]);
  });

  it("uses another valid path when one has a SHA-1-signed intermediate", async () => {
    const path = await validate(c.eeViaInter!.der, [c.interSha1!.der, c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain[1]).toEqual(c.inter!.der);
  });

  it("answers badDataFormat when the end certificate is not DER X.509", async () => {
    const anchors = prepareTrustAnchors([c.root!.der]);
    for (const bad of [new Uint8Array([1, 2, 3]), new Uint8Array([...c.eeDirect!.der, 0]), c.eeDirect!.der.subarray(0, 50)]) {
      expect((await failure(validate(bad, [], anchors))).failInfo).toEqual(["badDataFormat"]);
    }
  });
});

describe("validateCertificatePath: same names, different certificates", () => {
  it("picks the anchor whose subjectKeyIdentifier matches the authorityKeyIdentifier", async () => {
    const path = await validate(c.eeTwinAki!.der, [], prepareTrustAnchors([c.twinA!.der, c.twinB!.der]));
    expect(path.anchor).toEqual(c.twinB!.der);
  });

  it("does not try a same-name anchor whose key identifier differs", async () => {
    const result = await failure(validate(c.eeTwinAki!.der, [], prepareTrustAnchors([c.twinA!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("no issuer");
  });

  it("backtracks from a same-name anchor whose key does not verify when there is no AKI", async () => {
    const path = await validate(c.eeTwinNoAki!.der, [], prepareTrustAnchors([c.twinA!.der, c.twinB!.der]));
    expect(path.anchor).toEqual(c.twinB!.der);
    const result = await failure(validate(c.eeTwinNoAki!.der, [], prepareTrustAnchors([c.twinA!.der])));
    expect(result.message).toContain("does not verify with the key of \"CN=Twin CA\"");
  });

  it("backtracks from a cross-certificate whose own issuer is unknown", async () => {
    const path = await validate(c.eeViaInter!.der, [c.interCross!.der, c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain).toEqual([c.eeViaInter!.der, c.inter!.der, c.root!.der]);
  });

  it("backtracks past same-name copies with broken signatures", async () => {
    const copies = [1, 2, 3].map((delta) => withOtherSerial(c.inter!.der, delta));
    const path = await validate(c.eeViaInter!.der, [...copies, c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain[1]).toEqual(c.inter!.der);
  });

  it("checks a certificate sent many times only once", async () => {
    const broken = withOtherSerial(c.inter!.der, 1);
    const repeated = Array.from({ length: 40 }, () => broken.slice());
    const path = await validate(c.eeViaInter!.der, [...repeated, c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain[1]).toEqual(c.inter!.der);
  });

  it("reports where paths that reach no anchor end, without checking a signature", async () => {
    // Twelve paths end -> A -> B -> C by name, none to an anchor: the
    // search says why the furthest one stops.
    const copies = Array.from({ length: DIAMOND_WIDTH }, (_, index) => c[`diamondA${index}`]!.der);
    const result = await failure(validate(c.eeDiamond!.der, [...copies, c.diamondB!.der, c.diamondC!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("\"CN=Diamond C\" is self-issued and not a trust anchor");
  });

  it("checks a signature reached along several paths only once", async () => {
    // Diamond C trusted: eleven broken copies of Diamond A (same name and
    // key, the signature no longer matches) and the real one, all under
    // Diamond B. One C -> B check, eleven failing B -> A checks, then
    // B -> A0 and A0 -> end: 14 fit the budget of 16; checking C -> B again
    // for every A would not.
    const broken = Array.from({ length: DIAMOND_WIDTH - 1 }, (_, index) => withOtherSerial(c.diamondA0!.der, 100 + index));
    verifyCalls.mockClear();
    const path = await validate(c.eeDiamond!.der, [...broken, c.diamondA0!.der, c.diamondB!.der], prepareTrustAnchors([c.diamondC!.der]));
    expect(path.chain).toEqual([c.eeDiamond!.der, c.diamondA0!.der, c.diamondB!.der, c.diamondC!.der]);
    const bByC = verifyCalls.mock.calls.filter(([, , data]) => bytesEqual(data, tbsOf(c.diamondB!.der)));
    expect(bByC.length).toBeLessThanOrEqual(1);
  });

  it("bounds the work a flood of same-name certificates can cause", async () => {
    const copies = Array.from({ length: 40 }, (_, index) => withOtherSerial(c.inter!.der, index + 1));
    const result = await failure(validate(c.eeViaInter!.der, [...copies, c.inter!.der], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("gave up");
  });
});

describe("validateCertificatePath: bounded work before trust (RFC 5280 §6.1.2 order)", () => {
  // RSA-3072-sized moduli with 3 070-bit public exponents: each costs
  // hundreds of times a normal RSA verification. The certificates copy the
  // real intermediate's name and subjectKeyIdentifier, so they match the
  // end certificate's issuer and authorityKeyIdentifier exactly.
  const hugeKey = (index: number) => rsaSpki(oddOfBits(3072) + 2n * BigInt(index), oddOfBits(3070));
  const hugeSpkis = Array.from({ length: 40 }, (_, index) => hugeKey(index));
  const usedKeys = () => verifyCalls.mock.calls.map(([spki]) => spki);
  let subtleVerify: ReturnType<typeof vi.spyOn>;
  let subtleImport: ReturnType<typeof vi.spyOn>;

  beforeAll(() => {
    subtleVerify = vi.spyOn(crypto.subtle, "verify");
    subtleImport = vi.spyOn(crypto.subtle, "importKey");
  });
  afterEach(() => {
    verifyCalls.mockClear();
    subtleVerify.mockClear();
    subtleImport.mockClear();
  });
  afterAll(() => {
    subtleVerify.mockRestore();
    subtleImport.mockRestore();
  });

  it("checks no signature when 40 huge-exponent certificates lead to no anchor", async () => {
    const flood = hugeSpkis.map((spki, index) => withKey(c.inter!.der, spki, { serial: index, issuerFrom: c.otherRoot!.der }));
    verifyCalls.mockClear();
    const result = await failure(validate(c.eeViaInter!.der, flood, prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("no issuer of intermediate CA certificate \"CN=Test Intermediate,O=Jellyfish Tests\" (issuer \"CN=Other Root\")");
    expect(verifyCalls).not.toHaveBeenCalled();
    expect(subtleImport).not.toHaveBeenCalled();
    expect(subtleVerify).not.toHaveBeenCalled();
  });

  it("checks no signature when 40 huge-exponent certificates chain among themselves, and gives up on the paths", async () => {
    // Self-issued, no authorityKeyIdentifier: each is a candidate issuer of
    // every other, 40^4 paths by name within maxDepth.
    const tangle = hugeSpkis.map((spki, index) => withKey(c.inter!.der, spki, { serial: 100 + index, selfIssued: true, dropAki: true }));
    verifyCalls.mockClear();
    const result = await failure(validate(c.eeViaInter!.der, tangle, prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("gave up building a path to a trust anchor");
    expect(verifyCalls).not.toHaveBeenCalled();
    expect(subtleImport).not.toHaveBeenCalled();
    expect(subtleVerify).not.toHaveBeenCalled();
  });

  it("finds the valid path past a same-name junk intermediate under the anchor, never using the junk key", async () => {
    // The junk claims the real intermediate's name, key identifier and
    // issuer: a complete path by names. The anchor's key refutes it before
    // its huge key could be used to check the end certificate.
    const junk = withKey(c.inter!.der, hugeSpkis[0]!, { serial: 200 });
    const path = await validate(c.eeViaInter!.der, [junk, c.inter!.der], prepareTrustAnchors([c.root!.der]));
    expect(path.chain).toEqual([c.eeViaInter!.der, c.inter!.der, c.root!.der]);
    expect(usedKeys().some((spki) => bytesEqual(spki, hugeSpkis[0]!))).toBe(false);
    expect(verifyCalls.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it("refuses the junk path with the anchor's verdict when it is the only one", async () => {
    const junk = withKey(c.inter!.der, hugeSpkis[1]!, { serial: 201 });
    const result = await failure(validate(c.eeViaInter!.der, [junk], prepareTrustAnchors([c.root!.der])));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("signature on \"CN=Test Intermediate,O=Jellyfish Tests\" does not verify with the key of \"CN=Test Root");
    expect(usedKeys().some((spki) => bytesEqual(spki, hugeSpkis[1]!))).toBe(false);
  });

  it("verifies from the anchor down: each key used only after the one above vouched for it", async () => {
    // A limit no earlier test used, so no check is remembered and all three are made.
    await validate(c.eeFreeSub!.der, [c.freeSub!.der, c.freeInter!.der], prepareTrustAnchors([c.root!.der]), { rsaMaxModulusBits: 8000 });
    const calls = verifyCalls.mock.calls.map(([spki, , data]) => ({ spki, data }));
    const links: [Issued, Issued][] = [[c.root!, c.freeInter!], [c.freeInter!, c.freeSub!], [c.freeSub!, c.eeFreeSub!]];
    expect(calls.length).toBe(links.length);
    links.forEach(([issuer, child], index) => {
      expect(bytesEqual(calls[index]!.spki, spkiOf(issuer.der))).toBe(true);
      expect(bytesEqual(calls[index]!.data, tbsOf(child.der))).toBe(true);
    });
  });

  it("passes rsaMaxModulusBits to every signature check: a 2048-bit intermediate under a 2047-bit limit is badAlg", async () => {
    const anchors = prepareTrustAnchors([c.root!.der]);
    const result = await failure(validate(c.eeViaInter!.der, [c.inter!.der], anchors, { rsaMaxModulusBits: 2047 }));
    expect(result.failInfo).toEqual(["badAlg"]);
    expect(result.message).toContain("2048-bit modulus");
    expect(result.message).toContain("2047 bits");
    await expect(validate(c.eeViaInter!.der, [c.inter!.der], anchors, { rsaMaxModulusBits: 2048 })).resolves.toBeDefined();
  });

  it("honours maxSignatureChecks", async () => {
    const copies = [0, 1, 2].map((index) => withOtherSerial(c.inter!.der, 150 + index));
    const anchors = prepareTrustAnchors([c.root!.der]);
    const result = await failure(validate(c.eeViaInter!.der, [...copies, c.inter!.der], anchors, { maxSignatureChecks: 2 }));
    expect(result.failInfo).toEqual(["signerNotTrusted"]);
    expect(result.message).toContain("gave up validating a path for \"CN=Device via Intermediate\" after 2 signature checks");
    expect(verifyCalls.mock.calls.length).toBe(2);
  });

  it("refuses a bad limit as a programming error", async () => {
    const anchors = prepareTrustAnchors([c.root!.der]);
    await expect(validate(c.eeDirect!.der, [], anchors, { maxSignatureChecks: 0 })).rejects.toThrow(/maxSignatureChecks/);
    await expect(validate(c.eeDirect!.der, [], anchors, { rsaMaxModulusBits: 0 })).rejects.toThrow(/rsaMaxModulusBits/);
  });
});

describe("prepareTrustAnchors", () => {
  it("names the anchor that is not a certificate", () => {
    expect(() => prepareTrustAnchors([c.root!.der, new Uint8Array([0x30, 0x00])])).toThrow(/trust anchor #2/);
  });

  it("keeps one copy of duplicate anchors", () => {
    expect(prepareTrustAnchors([c.root!.der, c.root!.der, c.edRoot!.der]).size).toBe(2);
  });

  it("is not affected by later changes to the caller's buffer", async () => {
    const buffer = c.root!.der.slice();
    const anchors = prepareTrustAnchors([buffer]);
    buffer.fill(0);
    await expect(validate(c.eeDirect!.der, [], anchors)).resolves.toBeDefined();
  });
});
