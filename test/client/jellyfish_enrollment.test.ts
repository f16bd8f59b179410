import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual } from "../../src/asn1/bytes.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { CMPCertificates } from "../../src/asn1/cmp_certificates.js";
import { id_it_implicitConfirm } from "../../src/asn1/oids.js";
import { PBMParameter } from "../../src/asn1/pbm.js";
import { PBKDF2Params, PBMAC1Params } from "../../src/asn1/pbmac1.js";
import { formatDistinguishedName } from "../../src/ca/distinguished_name.js";
import { OID } from "../../src/crypto/algorithms.js";
import { CmpClientError } from "../../src/client/index.js";
import type { EngineServer, TestCa } from "../support/engine_server.js";
import { makeTestCa } from "../support/engine_server.js";
import { makeCsr, makeKey, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";
import { enrollWithMac, exchanges, macClient, recordOf, signatureClient, startJellyfish, subjectOf, tbsOf } from "./jellyfish_harness.js";
import { csrFromFile, newSigner } from "./keys.js";
import { writeFile } from "node:fs/promises";

// The client against Jellyfish's real engine (over HTTP on 127.0.0.1):
// every operation, each protection, and what the server recorded.

let ca: TestCa;
let dir: TempDir;
let server: EngineServer;

beforeAll(async () => {
  ca = await makeTestCa();
  dir = await makeTempDir();
});
afterAll(() => dir.remove());
afterEach(async () => {
  await server?.stop();
});

async function start(): Promise<EngineServer> {
  server = await startJellyfish(ca);
  return server;
}

function request(index: number): PKIMessage {
  return AsnConvert.parse(server.requests[index]!, PKIMessage);
}

/** openssl verifies the chain, so the certificate is checked by someone other than us. */
async function opensslVerifies(certificate: Uint8Array): Promise<void> {
  const caPath = dir.file("ca.pem");
  const certPath = dir.file(`cert-${Math.random().toString(16).slice(2)}.der`);
  await writeFile(caPath, ca.certificatePem);
  await writeFile(certPath, certificate);
  const pem = await mustOpenssl(["x509", "-inform", "DER", "-in", certPath]);
  await writeFile(`${certPath}.pem`, pem);
  await mustOpenssl(["verify", "-CAfile", caPath, `${certPath}.pem`]);
}

describe("ir with a MAC", () => {
  it("PBM (SHA-256, HMAC-SHA256): issues, confirms with certConf, and returns the CA chain", async () => {
    await start();
    const signer = await newSigner();
    const result = await macClient(server).ir({ subject: "CN=pbm-device,O=Example", subjectAltNames: ["DNS:pbm.example"], key: { signer } });

    expect(subjectOf(result.certificate)).toBe("CN=pbm-device,O=Example");
    expect(bytesEqual(new Uint8Array(AsnConvert.serialize(tbsOf(result.certificate).subjectPublicKeyInfo)), signer.publicKey)).toBe(true);
    // RFC 9483 §4.1.1: caPubs holds the root (to a MAC-protected ir); extraCerts the chain of the new certificate.
    expect(result.caPubs).toEqual([ca.ca.certificate]);
    expect(result.extraCerts).toEqual([ca.ca.certificate]);
    expect(result.status).toEqual({ status: "accepted", statusString: [], failInfo: [] });
    expect(result.implicitlyConfirmed).toBe(false);
    expect(result.transactionID).toHaveLength(16);
    await opensslVerifies(result.certificate);

    expect(exchanges(server)).toEqual([["ir", "ip"], ["certConf", "pkiconf"]]);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed", subject: "CN=pbm-device,O=Example" });

    const ir = request(0);
    expect(ir.header.protectionAlg!.algorithm).toBe(OID.passwordBasedMac);
    const pbm = AsnConvert.parse(ir.header.protectionAlg!.parameters!, PBMParameter);
    expect([pbm.owf.algorithm, pbm.mac.algorithm, pbm.iterationCount, pbm.salt.byteLength]).toEqual([OID.sha256, OID.hmacWithSHA256, 1000n, 16]);
    expect(new TextDecoder().decode(ir.header.senderKID)).toBe("dev");
    expect(ir.header.pvno).toBe(2);
    expect(ir.header.messageTime).toBeInstanceOf(Date);
    // Each message has its own salt and nonce; the transaction keeps its ID and echoes the server's nonce.
    const certConf = request(1);
    const salt2 = AsnConvert.parse(certConf.header.protectionAlg!.parameters!, PBMParameter).salt;
    expect(Buffer.from(salt2).equals(Buffer.from(pbm.salt))).toBe(false);
    expect(Buffer.from(certConf.header.transactionID!)).toEqual(Buffer.from(ir.header.transactionID!));
    expect(certConf.header.recipNonce).toBeDefined();
  });

  it("PBMAC1 (PBKDF2-HMAC-SHA256, HMAC-SHA256)", async () => {
    await start();
    const result = await macClient(server, { algorithm: "pbmac1" }).ir({ subject: "CN=pbmac1-device", key: { signer: await newSigner() } });
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
    const alg = request(0).header.protectionAlg!;
    expect(alg.algorithm).toBe(OID.pbmac1);
    const params = AsnConvert.parse(alg.parameters!, PBMAC1Params);
    // The standard form (RFC 8018 A.5): the server's acceptance of Bouncy Castle's id-PBES2 is for reading only.
    expect(params.keyDerivationFunc.algorithm).toBe(OID.pbkdf2);
    const pbkdf2 = AsnConvert.parse(params.keyDerivationFunc.parameters!, PBKDF2Params);
    expect([params.messageAuthScheme.algorithm, pbkdf2.prf.algorithm, pbkdf2.iterationCount, pbkdf2.keyLength]).toEqual([
      OID.hmacWithSHA256, OID.hmacWithSHA256, 10_000n, 32n,
    ]);
    expect(exchanges(server)).toEqual([["ir", "ip"], ["certConf", "pkiconf"]]);
  });

  it("implicit confirmation, asked and granted: no certConf, and the certificate counts as confirmed", async () => {
    await start();
    const result = await macClient(server, { implicitConfirm: true }).ir({ subject: "CN=implicit", key: { signer: await newSigner() } });
    expect(result.implicitlyConfirmed).toBe(true);
    expect(exchanges(server)).toEqual([["ir", "ip"]]);
    expect(request(0).header.generalInfo?.map((itav) => itav.infoType)).toEqual([id_it_implicitConfirm]);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
  });

  it("implicit confirmation asked but not granted (profile implicitConfirm false): certConf as usual", async () => {
    await start();
    const result = await macClient(server, { implicitConfirm: true, profile: "explicit" }).ir({ subject: "CN=explicit", key: { signer: await newSigner() } });
    expect(result.implicitlyConfirmed).toBe(false);
    expect(exchanges(server)).toEqual([["ir", "ip"], ["certConf", "pkiconf"]]);
  });

  it("pvno 3 is spoken when asked for, and answered in kind", async () => {
    await start();
    const result = await macClient(server, { pvno: 3 }).ir({ subject: "CN=pvno3", key: { signer: await newSigner() } });
    expect(request(0).header.pvno).toBe(3);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
  });

  it("other key types: RSA-2048 and Ed25519 (certHash with SHA-512 is the server's check)", async () => {
    await start();
    for (const kind of ["RSA-2048", "Ed25519"] as const) {
      const result = await macClient(server).ir({ subject: `CN=${kind}`, key: { signer: await newSigner(kind) } });
      expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
    }
  });
});

describe("with signature protection (enroll first, then use that certificate)", () => {
  it("cr: another certificate, answered with a signature the client validates to the CA", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=signer-device");
    const signer = await newSigner();
    const result = await signatureClient(server, ca, device).cr({ subject: "CN=second-cert", key: { signer } });
    expect(subjectOf(result.certificate)).toBe("CN=second-cert");
    expect(result.extraCerts[0]).toEqual(ca.ca.certificate);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
    expect(exchanges(server).slice(2)).toEqual([["cr", "cp"], ["certConf", "pkiconf"]]);
    const cr = request(2);
    // RFC 9483 §3.1/§3.3: sender is the certificate's subject, and the certificate leads extraCerts.
    expect(formatDistinguishedName(cr.header.sender.directoryName!)).toBe("CN=signer-device");
    expect(new Uint8Array(AsnConvert.serialize(cr.extraCerts![0]!))).toEqual(device.certificate);
    expect(cr.header.protectionAlg!.algorithm).toBe(OID.ecdsaWithSHA256);
  });

  it("kur: a new key for the same subject and names; the old certificate is named in oldCertID", async () => {
    await start();
    const signer = await newSigner();
    const first = await macClient(server).ir({ subject: "CN=rolling", subjectAltNames: ["DNS:rolling.example"], key: { signer } });
    const device = { signer, certificate: first.certificate, result: first };
    const newKey = await newSigner();
    const result = await signatureClient(server, ca, device).kur({ key: { signer: newKey } });
    expect(subjectOf(result.certificate)).toBe("CN=rolling");
    expect(AsnConvert.serialize(tbsOf(result.certificate).subjectPublicKeyInfo)).toEqual(
      AsnConvert.serialize(AsnConvert.parse(newKey.publicKey, SubjectPublicKeyInfo)),
    );
    expect(exchanges(server).slice(2)).toEqual([["kur", "kup"], ["certConf", "pkiconf"]]);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed", supersedes: (await recordOf(server, first.certificate))!.serial });
  });

  it("kur with the server's certificate pinned instead of anchors", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=pinned-device");
    const client = signatureClient(server, ca, device, { trust: { pinned: ca.ca.certificate } });
    const result = await client.kur({ key: { signer: await newSigner() } });
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
  });

  it("rr: the holder revokes its certificate with a reason; a second rr is rejected (certRevoked)", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=revoked-device");
    const client = signatureClient(server, ca, device);
    const result = await client.rr({ certificate: device.certificate, reason: "keyCompromise" });
    expect(result.status).toMatchObject({ status: "accepted", failInfo: [] });
    expect(result.status.statusString.join()).toMatch(/^certificate [0-9a-f]+ revoked$/);
    expect(await recordOf(server, device.certificate)).toMatchObject({ status: "revoked", revocationReason: 1 });

    // The revoked certificate cannot sign any more: the server's error is signed, so it is authentic.
    const again = await client.rr({ certificate: device.certificate }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CmpClientError);
    expect(again).toMatchObject({ kind: "rejected", authenticated: true, failInfo: ["certRevoked"] });
  });
});

describe("p10cr", () => {
  it("enrolls a CSR made by openssl; certReqId -1 in cp and certConf", async () => {
    await start();
    const keyPath = await makeKey(dir.file("p10.key.pem"));
    const csr = await csrFromFile(await makeCsr(dir.file("p10.csr.pem"), keyPath, "/O=Example/CN=p10-device"));
    const result = await macClient(server).p10cr({ csr });
    expect(subjectOf(result.certificate)).toBe("CN=p10-device,O=Example");
    expect(exchanges(server)).toEqual([["p10cr", "cp"], ["certConf", "pkiconf"]]);
    expect(request(1).body.certConf![0]!.certReqId).toBe(-1);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
    await opensslVerifies(result.certificate);
  });
});

describe("genm", () => {
  it("the default profile answers id-it-caCerts with the CA certificate (RFC 9483 §4.3.1)", async () => {
    await start();
    const result = await macClient(server).genm({ infoTypes: ["1.3.6.1.5.5.7.4.17"] });
    expect(result.infos.map((info) => info.infoType)).toEqual(["1.3.6.1.5.5.7.4.17"]);
    const certificates = AsnConvert.parse(result.infos[0]!.infoValue!, CMPCertificates).map((certificate) => new Uint8Array(AsnConvert.serialize(certificate)));
    expect(certificates).toEqual([ca.ca.certificate]);
  });

  it("a profile that does not serve genm answers with an authentic error: rejected, badRequest", async () => {
    await start();
    const error = await macClient(server, { profile: "enrollOnly" }).genm({ infoTypes: ["1.3.6.1.5.5.7.4.17"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rejected", authenticated: true, failInfo: ["badRequest"] });
    expect((error as CmpClientError).statusString.join()).toContain("genm");
    expect((error as CmpClientError).statusInfo?.status).toBe("rejection");
  });
});
