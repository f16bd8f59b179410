import { readFile } from "node:fs/promises";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from "@peculiar/asn1-x509";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage, ProofOfPossession, bodyType, protectedPart } from "../../src/asn1/index.js";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { loadLocalKeyAndCertificates } from "../../src/ca/local_key_pair.js";
import { cmpSigner, type CmpSigner } from "../../src/cmp/cmp_signer.js";
import type { CmpLogEntry } from "../../src/cmp/engine_types.js";
import { loadConfig, type ConfigSource } from "../../src/config/load.js";
import { OID } from "../../src/crypto/algorithms.js";
import { isMacProtection } from "../../src/crypto/mac_protection.js";
import { verifySignature } from "../../src/crypto/signature.js";
import { startEngineServer, type EngineServer, type TestCa } from "../support/engine_server.js";
import { makeCsr, makeKey, makeTempDir, mustOpenssl, type OpensslResult, type TempDir } from "../support/openssl.js";
import { cmpDevice, serialOf, type CmpDevice, type Credential } from "../support/cmp_device.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { reprotect } from "../support/reprotect.js";

// Who the engine trusts and how it answers them, with the real `openssl cmp`:
// a dedicated CMP signer, signed answers to MAC requests, external device
// anchors, RAs (by certificate and by MAC reference), the key-update policy,
// p10cr's certReqId -1, and the protection of error answers. Every refusal is
// checked on both sides: the client fails, the server logged the failInfo,
// and the store did not change.

const SECRETS = { device: "device-secret", ra: "ra-secret" };
const CA_SUBJECT = "/O=Jellyfish/CN=Trust Test CA";

let dir: TempDir;
let ca: OpensslCa; // Jellyfish's own CA (its key is loaded into the engine)
let factory: OpensslCa; // a device maker's CA: a configured trust anchor
let raCa: OpensslCa; // the CA of registration authorities: an "ra" anchor
let stranger: OpensslCa; // trusted nowhere
let signer: { key: string; cert: string; der: Uint8Array };
let caDer: Uint8Array;
let server: EngineServer;
let device: CmpDevice | undefined;
const devices = () => (device ??= cmpDevice({ dir, endpoint: () => server.url, reference: "device", secret: "device-secret" }));
const cmp = (args: readonly string[], profile?: string) => devices().cmp(args, profile);
const newKey = (name: string) => devices().newKey(name);
const enroll = (name: string, profile?: string) => devices().enroll(name, profile);

beforeAll(async () => {
  dir = await makeTempDir();
  ca = await makeCa("ca", CA_SUBJECT);
  factory = await makeCa("factory", "/O=Device Maker/CN=Factory CA");
  raCa = await makeCa("ra-ca", "/O=Jellyfish/CN=RA CA");
  stranger = await makeCa("stranger", "/O=Elsewhere/CN=Stranger CA");

  // The dedicated CMP signer: its own key, a certificate from our CA with digitalSignature and an SKI.
  const signerKey = await makeKey(dir.file("cmp-signer.key.pem"));
  const signerCert = await ca.issue("cmp-signer", { subject: "/O=Jellyfish/CN=CMP Signer", keyPath: signerKey });
  signer = { key: signerKey, cert: signerCert, der: decodeCertificatesPem(await readFile(signerCert, "utf8"))[0]! };

  const caKeyPem = await readFile(ca.keyPath, "utf8");
  const caCertPem = await readFile(ca.certPath, "utf8");
  const loaded = await loadLocalKeyAndCertificates(caKeyPem, caCertPem, { key: "CA_KEY", certificates: "CA_CERT" });
  caDer = loaded.certificates[0]!;
  const testCa: TestCa = { ca: { signer: loaded.signer, certificate: caDer, chain: loaded.certificates }, certificatePem: caCertPem };

  const source: ConfigSource = {
    CMP_SECRETS: JSON.stringify(SECRETS),
    FACTORY_CA: await readFile(factory.certPath, "utf8"),
    RA_CA: await readFile(raCa.certPath, "utf8"),
    SIGNER_KEY: await readFile(signer.key, "utf8"),
    SIGNER_CERTS: (await readFile(signer.cert, "utf8")) + caCertPem,
    JELLYFISH_CONFIG: JSON.stringify({
      trustAnchors: { factory: "env:FACTORY_CA", ra: "env:RA_CA" },
      profiles: {
        default: {},
        signer: { responseSigner: { key: "env:SIGNER_KEY", certificates: "env:SIGNER_CERTS" } },
        signed: { responseProtection: "signature" },
        factory: { signature: { trustAnchors: ["factory"] } },
        ra: { ra: { macReferences: ["ra"], trustAnchors: ["ra"] } },
        rekey: { keyUpdate: { allowKeyReuse: true, revokeOldCertificate: true } },
      },
    }),
  };
  server = await startEngineServer({ ca: testCa, config: source, responseSigners: await responseSigners(source) });
});

afterEach(() => {
  server.tamper = undefined;
});

afterAll(async () => {
  await server?.stop();
  await dir?.remove();
});

function makeCa(name: string, subject: string): Promise<OpensslCa> {
  return opensslCa(dir.path, { name, subject });
}

/** The profiles' dedicated signers, built as src/runtime/compose.ts builds them. */
async function responseSigners(source: ConfigSource): Promise<Map<string, CmpSigner>> {
  const signers = new Map<string, CmpSigner>();
  for (const profile of loadConfig(source).profiles.values()) {
    if (!profile.responseSigner) continue;
    const field = `profiles.${profile.name}.responseSigner`;
    const loaded = await loadLocalKeyAndCertificates(profile.responseSigner.keyPem, profile.responseSigner.certificatesPem, {
      key: `${field}.key`,
      certificates: `${field}.certificates`,
    });
    signers.set(profile.name, cmpSigner(loaded.signer, loaded.certificates));
  }
  return signers;
}

// ---------------------------------------------------------------- helpers

/** A certificate of an openssl-run CA (not recorded by Jellyfish). */
async function foreignCredential(issuer: OpensslCa, name: string, subject = `/O=Jellyfish/CN=${name}`): Promise<Credential> {
  const key = await newKey(name);
  return { key, cert: await issuer.issue(key.replace(/\.key\.pem$/, "").replace(/^.*\//, ""), { subject, keyPath: key }) };
}

async function recordOf(cert: string): Promise<CertificateRecord | undefined> {
  return (await server.store.get<CertificateRecord>(`cert/${await serialOf(cert)}`))?.value;
}

/** Everything in the store: certificates and transactions. */
async function storeSnapshot(): Promise<unknown[]> {
  return (await server.store.list("", { limit: 1000 })).items;
}

/**
 * Run a request the server must refuse: the client fails, the log names
 * `failInfo`, the store is unchanged. Unless `unverifiable`, the client also
 * accepted the answer's protection and reports the failInfo itself (openssl
 * cmp writes its log to stdout).
 */
async function refused(
  args: string[],
  failInfo: string,
  profile?: string,
  options: { unverifiable?: boolean } = {},
): Promise<{ log: CmpLogEntry; client: OpensslResult }> {
  const before = await storeSnapshot();
  const logged = server.logs.length;
  const result = await cmp(args, profile);
  expect(result.code, result.stdout).not.toBe(0);
  if (!options.unverifiable) expect(result.stdout).toContain(`PKIFailureInfo: ${failInfo};`);
  const entries = server.logs.slice(logged);
  const entry = entries.find((log) => log.failInfo !== undefined);
  expect(entry, JSON.stringify(entries)).toBeDefined();
  expect(entry!.failInfo).toEqual([failInfo]);
  expect(await storeSnapshot()).toEqual(before);
  return { log: entry!, client: result };
}

async function readMessage(path: string): Promise<PKIMessage> {
  return AsnConvert.parse(new Uint8Array(await readFile(path)), PKIMessage);
}

/** The -rspout argument for `count` responses (openssl 3.0 wants one file name per response). */
function rspout(name: string, count: number): string[] {
  return ["-rspout", Array.from({ length: count }, (_, index) => dir.file(`${name}-${index}.der`)).join(",")];
}

function hex(value: ArrayBuffer | Uint8Array | object): string {
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) return Buffer.from(value as Uint8Array).toString("hex");
  return Buffer.from(AsnConvert.serialize(value)).toString("hex");
}

function subjectKeyIdentifier(certificate: Certificate): string {
  const extension = certificate.tbsCertificate.extensions!.find((e) => e.extnID === id_ce_subjectKeyIdentifier)!;
  return hex(AsnConvert.parse(extension.extnValue, SubjectKeyIdentifier).buffer);
}

/**
 * RFC 9483 §3.1/§3.3: signed with `signerDer`'s key, sender its subject,
 * senderKID its SKI, and extraCerts starting with it.
 */
async function expectSignedBy(message: PKIMessage, signerDer: Uint8Array): Promise<void> {
  const certificate = AsnConvert.parse(signerDer, Certificate);
  const protectionAlg = message.header.protectionAlg!;
  expect(protectionAlg.algorithm).toBe(OID.ecdsaWithSHA256);
  expect(hex(message.header.sender.directoryName!)).toBe(hex(certificate.tbsCertificate.subject));
  expect(hex(message.header.senderKID!)).toBe(subjectKeyIdentifier(certificate));
  expect(hex(message.extraCerts![0]!)).toBe(hex(signerDer));
  const spki = new Uint8Array(AsnConvert.serialize(certificate.tbsCertificate.subjectPublicKeyInfo));
  const signed = protectedPart(message.headerRaw!, message.bodyRaw!);
  expect(await verifySignature(spki, protectionAlg, signed, new Uint8Array(message.protection!))).toBe(true);
}

// ---------------------------------------------------------------- 1

describe("a dedicated CMP signer", () => {
  it("signs the answers to a signed cr: sender, senderKID and extraCerts are the signer's; the client trusts it via the CA", async () => {
    const device = await enroll("signer-device");
    const out = dir.file("signer-cr.pem");
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("signer-new"), "-subject", "/CN=signer-device",
        "-trusted", ca.certPath, "-certout", out, ...rspout("signer-cr", 2)],
      "signer",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const [cp, pkiConf] = await Promise.all([readMessage(dir.file("signer-cr-0.der")), readMessage(dir.file("signer-cr-1.der"))]);
    expect([bodyType(cp.body), bodyType(pkiConf.body)]).toEqual(["cp", "pkiconf"]);
    for (const answer of [cp, pkiConf]) await expectSignedBy(answer, signer.der);
    // The signer's chain follows it: our CA certificate.
    expect(cp.extraCerts!.map((c) => hex(c))).toEqual([hex(signer.der), hex(caDer)]);
    expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, out])).toContain("OK");
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", profile: "signer" });
  });

  it("the client may pin the signer's certificate with -srvcert", async () => {
    const device = await enroll("srvcert-device");
    const out = dir.file("srvcert-cr.pem");
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("srvcert-new"), "-subject", "/CN=srvcert-device",
        "-srvcert", signer.cert, "-certout", out],
      "signer",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await recordOf(out)).toMatchObject({ status: "confirmed" });
  });

  it("the answer is not signed by the CA: a client pinning the CA certificate refuses it", async () => {
    const device = await enroll("pin-ca-device");
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("pin-ca-new"), "-subject", "/CN=pin-ca-device",
        "-srvcert", ca.certPath, "-certout", dir.file("pin-ca.pem")],
      "signer",
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain("actual name in sender DN field = /O=Jellyfish/CN=CMP Signer");
  });

  it("a profile without a dedicated signer signs with the CA key", async () => {
    const device = await enroll("ca-signed-device");
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("ca-signed-new"), "-subject", "/CN=ca-signed-device",
        "-trusted", ca.certPath, "-certout", dir.file("ca-signed.pem"), ...rspout("ca-signed", 2)],
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await expectSignedBy(await readMessage(dir.file("ca-signed-0.der")), caDer);
  });
});

// ---------------------------------------------------------------- 2

describe('responseProtection "signature"', () => {
  it("answers a MAC-protected ir with a signed ip, which the client verifies with -trusted", async () => {
    const key = await newKey("signed-ir");
    const out = dir.file("signed-ir.pem");
    const result = await cmp(
      ["-cmd", "ir", "-ref", "device", "-secret", "pass:device-secret", "-trusted", ca.certPath, "-newkey", key, "-subject", "/CN=signed-ir",
        "-certout", out, ...rspout("signed-ir", 2)],
      "signed",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const [ip, pkiConf] = await Promise.all([readMessage(dir.file("signed-ir-0.der")), readMessage(dir.file("signed-ir-1.der"))]);
    expect([bodyType(ip.body), bodyType(pkiConf.body)]).toEqual(["ip", "pkiconf"]);
    for (const answer of [ip, pkiConf]) {
      expect(isMacProtection(answer.header.protectionAlg!)).toBe(false);
      await expectSignedBy(answer, caDer);
    }
    expect(ip.body.ip!.caPubs!.map((c) => hex(c))).toEqual([hex(caDer)]);
    // The request itself was MAC-protected.
    const ir = AsnConvert.parse(server.requests.at(-2)!, PKIMessage);
    expect(bodyType(ir.body)).toBe("ir");
    expect(isMacProtection(ir.header.protectionAlg!)).toBe(true);
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", profile: "signed" });
  });

  it("the same request on a mirror profile gets a MAC-protected ip", async () => {
    const key = await newKey("mirror-ir");
    const result = await cmp(["-cmd", "ir", "-ref", "device", "-secret", "pass:device-secret", "-newkey", key, "-subject", "/CN=mirror-ir",
      "-certout", dir.file("mirror-ir.pem"), ...rspout("mirror-ir", 2)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const ip = await readMessage(dir.file("mirror-ir-0.der"));
    expect(isMacProtection(ip.header.protectionAlg!)).toBe(true);
  });
});

// ---------------------------------------------------------------- 3

describe("external trust anchors (a factory CA)", () => {
  it("a factory certificate may cr on the profile that trusts the factory", async () => {
    const device = await foreignCredential(factory, "factory-device");
    const out = dir.file("factory-cr.pem");
    // -issuer: without it openssl puts the issuer of -cert (the factory CA) in the template (see below).
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("factory-new"), "-subject", "/CN=factory-device",
        "-issuer", CA_SUBJECT, "-trusted", ca.certPath, "-certout", out],
      "factory",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, out])).toContain("OK");
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", subject: "CN=factory-device", profile: "factory" });
    expect(server.logs.at(-2)).toMatchObject({ bodyType: "cr", outcome: "issued", sender: "CN=factory-device,O=Jellyfish" });
  });

  it("without -issuer (openssl copies the factory CA into the template's issuer) the cr is accepted too", async () => {
    // openssl cmp 3.0 fills the template's issuer from -cert's issuer unless -issuer is given
    // (OSSL_CMP_CTX_setup_CRM); that names the signer's CA, not a wish for another issuer.
    const device = await foreignCredential(factory, "factory-default-issuer");
    const out = dir.file("factory-default-issuer.pem");
    const result = await cmp(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("x"), "-subject", "/CN=factory-default-issuer",
        "-trusted", ca.certPath, "-certout", out],
      "factory",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", ca.certPath, out])).toContain("OK");
  });

  it("the same certificate on a profile without the factory anchor: signerNotTrusted", async () => {
    const device = await foreignCredential(factory, "factory-elsewhere");
    await refused(
      ["-cmd", "cr", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("x"), "-subject", "/CN=factory-elsewhere",
        "-trusted", ca.certPath, "-certout", dir.file("x.pem")],
      "signerNotTrusted",
    );
  });

  it("a factory certificate cannot kur (it was not issued by this CA): notAuthorized", async () => {
    const device = await foreignCredential(factory, "factory-kur");
    await refused(
      ["-cmd", "kur", "-cert", device.cert, "-key", device.key, "-newkey", await newKey("x"), "-trusted", ca.certPath, "-certout", dir.file("x.pem")],
      "notAuthorized",
      "factory",
    );
  });
});

// ---------------------------------------------------------------- 4

describe("registration authorities", () => {
  it("an RA certificate may revoke another device's certificate; a plain device certificate may not", async () => {
    const victim = await enroll("victim", "ra");
    const bystander = await enroll("bystander", "ra");
    const { log: entry } = await refused(
      ["-cmd", "rr", "-oldcert", victim.cert, "-cert", bystander.cert, "-key", bystander.key, "-trusted", ca.certPath, "-revreason", "1"],
      "notAuthorized",
      "ra",
    );
    expect(entry).toMatchObject({ bodyType: "rr", responseType: "rp", serial: await serialOf(victim.cert) });
    expect(await recordOf(victim.cert)).toMatchObject({ status: "confirmed" });

    const ra = await foreignCredential(raCa, "ra-operator");
    const result = await cmp(["-cmd", "rr", "-oldcert", victim.cert, "-cert", ra.cert, "-key", ra.key, "-trusted", ca.certPath, "-revreason", "1"], "ra");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.logs.at(-1)).toMatchObject({ bodyType: "rr", outcome: "revoked", sender: "CN=ra-operator,O=Jellyfish" });
    expect(await recordOf(victim.cert)).toMatchObject({ status: "revoked", revocationReason: 1 });
    expect(await recordOf(bystander.cert)).toMatchObject({ status: "confirmed" });
  });

  it("an RA certificate on a profile without the RA anchor: signerNotTrusted", async () => {
    const victim = await enroll("victim-default");
    const ra = await foreignCredential(raCa, "ra-elsewhere");
    await refused(["-cmd", "rr", "-oldcert", victim.cert, "-cert", ra.cert, "-key", ra.key, "-trusted", ca.certPath], "signerNotTrusted");
    expect(await recordOf(victim.cert)).toMatchObject({ status: "confirmed" });
  });

  /** Replace the ir's proof of possession with raVerified, re-MACed with `secret`. */
  function raVerified(secret: string): { count: number } {
    const seen = { count: 0 };
    server.tamper = async (request) => {
      const message = AsnConvert.parse(request, PKIMessage);
      if (bodyType(message.body) !== "ir") return request;
      seen.count++;
      return reprotect(request, secret, (m) => {
        m.body.ir![0]!.popo = new ProofOfPossession({ raVerified: null });
      });
    };
    return seen;
  }

  it("raVerified from a MAC reference listed in ra.macReferences is accepted", async () => {
    const seen = raVerified("ra-secret");
    const key = await newKey("ra-verified");
    const out = dir.file("ra-verified.pem");
    const result = await cmp(["-cmd", "ir", "-ref", "ra", "-secret", "pass:ra-secret", "-newkey", key, "-subject", "/CN=ra-verified", "-certout", out], "ra");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(seen.count).toBe(1);
    expect(server.logs.slice(-2).map((log) => [log.bodyType, log.outcome, log.senderKID])).toEqual([
      ["ir", "issued", "ra"],
      ["certConf", "confirmed", "ra"],
    ]);
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", subject: "CN=ra-verified" });
    expect(await mustOpenssl(["x509", "-in", out, "-noout", "-pubkey"])).toBe(await mustOpenssl(["pkey", "-in", key, "-pubout"]));
  });

  it("raVerified from a reference that is not an RA: notAuthorized", async () => {
    const seen = raVerified("device-secret");
    await refused(
      ["-cmd", "ir", "-ref", "device", "-secret", "pass:device-secret", "-newkey", await newKey("not-ra"), "-subject", "/CN=not-ra", "-certout", dir.file("x.pem")],
      "notAuthorized",
      "ra",
    );
    expect(seen.count).toBe(1);
  });
});

// ---------------------------------------------------------------- 5

describe("keyUpdate policy", () => {
  /** Record the two certificates' states when the certConf arrives, before the engine handles it. */
  function watchCertConf(old: Credential): { states?: [string | undefined, string | undefined] } {
    const seen: { states?: [string | undefined, string | undefined] } = {};
    server.tamper = async (request) => {
      const message = AsnConvert.parse(request, PKIMessage);
      if (bodyType(message.body) === "certConf") {
        const issued = latestKurSerial();
        seen.states = [(await recordOf(old.cert))?.status, issued && (await server.store.get<CertificateRecord>(`cert/${issued}`))?.value.status];
      }
      return request;
    };
    return seen;
  }

  /** The serial the last kur issued (from the server's log). */
  function latestKurSerial(): string | undefined {
    return server.logs.filter((log) => log.bodyType === "kur").at(-1)?.serial;
  }

  it("allowKeyReuse: kur certifies the same key; revokeOldCertificate: the old one is revoked (superseded) once the new one is confirmed", async () => {
    const old = await enroll("rekey", "rekey");
    const seen = watchCertConf(old);
    const out = dir.file("rekey-new.pem");
    const result = await cmp(["-cmd", "kur", "-cert", old.cert, "-key", old.key, "-newkey", old.key, "-trusted", ca.certPath, "-certout", out], "rekey");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["x509", "-in", out, "-noout", "-pubkey"])).toBe(await mustOpenssl(["x509", "-in", old.cert, "-noout", "-pubkey"]));

    // Until the certConf, the old certificate is in use and the new one only issued.
    expect(seen.states).toEqual(["confirmed", "issued"]);
    expect(server.logs.slice(-2).map((log) => [log.bodyType, log.outcome])).toEqual([["kur", "issued"], ["certConf", "confirmed"]]);
    const [oldRecord, newRecord] = [await recordOf(old.cert), await recordOf(out)];
    expect(newRecord).toMatchObject({ status: "confirmed", supersedes: await serialOf(old.cert) });
    expect(oldRecord).toMatchObject({ status: "revoked", revocationReason: 4 });
  });

  it("with implicit confirmation the old certificate is revoked at once, and no certConf is sent", async () => {
    const old = await enroll("rekey-implicit", "rekey");
    const out = dir.file("rekey-implicit-new.pem");
    const result = await cmp(
      ["-cmd", "kur", "-cert", old.cert, "-key", old.key, "-newkey", await newKey("rekey-implicit-new"), "-implicit_confirm", "-trusted", ca.certPath, "-certout", out],
      "rekey",
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.logs.at(-1)).toMatchObject({ bodyType: "kur", outcome: "issued (implicitly confirmed)" });
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", supersedes: await serialOf(old.cert) });
    expect(await recordOf(old.cert)).toMatchObject({ status: "revoked", revocationReason: 4 });
  });

  it("the same key on a profile without allowKeyReuse: badCertTemplate", async () => {
    const old = await enroll("no-reuse");
    await refused(["-cmd", "kur", "-cert", old.cert, "-key", old.key, "-newkey", old.key, "-trusted", ca.certPath, "-certout", dir.file("x.pem")], "badCertTemplate");
    expect(await recordOf(old.cert)).toMatchObject({ status: "confirmed" });
  });

  it("a new certificate the client rejects in certConf does not revoke the old one", async () => {
    const old = await enroll("rekey-rejected", "rekey");
    const seen = watchCertConf(old);
    const result = await cmp(
      ["-cmd", "kur", "-cert", old.cert, "-key", old.key, "-newkey", await newKey("rekey-rejected-new"), "-trusted", ca.certPath,
        "-out_trusted", stranger.certPath, "-certout", dir.file("rekey-rejected-new.pem")],
      "rekey",
    );
    expect(result.code).not.toBe(0);
    expect(seen.states).toEqual(["confirmed", "issued"]);
    expect(server.logs.slice(-2).map((log) => [log.bodyType, log.outcome])).toEqual([["kur", "issued"], ["certConf", "rejected"]]);
    const newSerial = latestKurSerial()!;
    expect((await server.store.get<CertificateRecord>(`cert/${newSerial}`))?.value).toMatchObject({ status: "rejected", supersedes: await serialOf(old.cert) });
    const oldRecord = await recordOf(old.cert);
    expect(oldRecord).toMatchObject({ status: "confirmed" });
    expect(oldRecord?.revokedAt).toBeUndefined();
  });
});

// ---------------------------------------------------------------- 6

describe("p10cr", () => {
  it("the cp and the client's certConf use certReqId -1, and the certificate is confirmed", async () => {
    const key = await newKey("p10");
    const csr = await makeCsr(dir.file("p10.csr"), key, "/CN=p10-device");
    const out = dir.file("p10.pem");
    const result = await cmp(["-cmd", "p10cr", "-ref", "device", "-secret", "pass:device-secret", "-csr", csr, "-certout", out, ...rspout("p10", 2)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const cp = await readMessage(dir.file("p10-0.der"));
    expect(cp.body.cp!.response.map((response) => response.certReqId)).toEqual([-1]);
    const certConf = AsnConvert.parse(server.requests.at(-1)!, PKIMessage);
    expect(bodyType(certConf.body)).toBe("certConf");
    expect(certConf.body.certConf!.map((status) => status.certReqId)).toEqual([-1]);
    expect(server.logs.slice(-2).map((log) => [log.bodyType, log.outcome])).toEqual([["p10cr", "issued"], ["certConf", "confirmed"]]);
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", subject: "CN=p10-device" });
  });
});

// ---------------------------------------------------------------- 7

describe("protection of error answers", () => {
  it("an untrusted certificate's cr gets a signed error, which the client verifies", async () => {
    const outsider = await foreignCredential(stranger, "outsider");
    await refused(
      ["-cmd", "cr", "-cert", outsider.cert, "-key", outsider.key, "-newkey", await newKey("x"), "-subject", "/CN=outsider",
        "-trusted", ca.certPath, "-certout", dir.file("x.pem"), ...rspout("untrusted-error", 1)],
      "signerNotTrusted",
    );
    const error = await readMessage(dir.file("untrusted-error-0.der"));
    expect(bodyType(error.body)).toBe("error");
    expect(error.body.error!.pKIStatusInfo.failInfo!.toNames()).toEqual(["signerNotTrusted"]);
    await expectSignedBy(error, caDer);
  });

  it("on a profile with a dedicated signer, that signer signs the error", async () => {
    const outsider = await foreignCredential(stranger, "outsider-signer");
    await refused(
      ["-cmd", "cr", "-cert", outsider.cert, "-key", outsider.key, "-newkey", await newKey("x"), "-subject", "/CN=outsider-signer",
        "-trusted", ca.certPath, "-certout", dir.file("x.pem"), ...rspout("signer-error", 1)],
      "signerNotTrusted",
      "signer",
    );
    await expectSignedBy(await readMessage(dir.file("signer-error-0.der")), signer.der);
  });

  it("a MAC request with a wrong secret gets an unprotected error", async () => {
    const { client } = await refused(
      ["-cmd", "ir", "-ref", "device", "-secret", "pass:wrong-secret", "-newkey", await newKey("x"), "-subject", "/CN=wrong-secret",
        "-certout", dir.file("x.pem"), ...rspout("mac-error", 1)],
      "badMessageCheck",
      undefined,
      { unverifiable: true },
    );
    const error = await readMessage(dir.file("mac-error-0.der"));
    expect(bodyType(error.body)).toBe("error");
    expect(error.body.error!.pKIStatusInfo.failInfo!.toNames()).toEqual(["badMessageCheck"]);
    expect(error.header.protectionAlg).toBeUndefined();
    expect(error.protection).toBeUndefined();
    expect(error.header.senderKID).toBeUndefined();
    // Without -unprotected_errors the client does not trust it.
    expect(client.stdout).toContain("missing protection");
  });

  it('on a profile with responseProtection "signature", the wrong-secret error is signed (a signature gives nothing away)', async () => {
    await refused(
      ["-cmd", "ir", "-ref", "device", "-secret", "pass:wrong-secret", "-newkey", await newKey("x"), "-subject", "/CN=wrong-secret",
        "-trusted", ca.certPath, "-certout", dir.file("x.pem"), ...rspout("signed-mac-error", 1)],
      "badMessageCheck",
      "signed",
    );
    await expectSignedBy(await readMessage(dir.file("signed-mac-error-0.der")), caDer);
  });
});
