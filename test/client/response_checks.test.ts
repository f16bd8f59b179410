import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, Name } from "@peculiar/asn1-x509";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CertOrEncCert, CertResponse } from "../../src/asn1/cert_rep_message.js";
import { CMPCertificatesDer } from "../../src/asn1/cmp_certificates.js";
import { EncryptedKey, EncryptedValue } from "../../src/asn1/encrypted_key.js";
import { InfoTypeAndValue, InfoTypeAndValues } from "../../src/asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../../src/asn1/oids.js";
import { CmpError, PKIBody, type PKIMessage } from "../../src/asn1/index.js";
import { errorBody } from "../../src/cmp/bodies.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { makeTestCa, type EngineServer, type TestCa } from "../support/engine_server.js";
import { reprotect } from "../support/reprotect.js";
import { exchanges, macClient, recordOf, startJellyfish } from "./jellyfish_harness.js";
import { newSigner } from "./keys.js";
import { failure, resign, rewritingFetch } from "./wire.js";

// Each check the client makes of an answer, reached by a server that knows
// the secret (or holds the signing key) but answers wrongly: Jellyfish's
// real answer, changed, and protected again.

let ca: TestCa;
let server: EngineServer;
const servers: EngineServer[] = [];

beforeAll(async () => {
  ca = await makeTestCa();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((started) => started.stop()));
});

async function start(): Promise<EngineServer> {
  server = await startJellyfish(ca);
  servers.push(server);
  return server;
}

/** ir through a man in the middle who holds the MAC secret and changes the first answer. */
async function irWithChangedAnswer(change: (message: PKIMessage) => void, options: { secret?: string; profile?: string } = {}) {
  await start();
  const fetch = rewritingFetch(async (body) => ({ body: await reprotect(body, options.secret ?? "s3cret", change) }), 0);
  return macClient(server, { fetch, profile: options.profile }).ir({ subject: "CN=checked", key: { signer: await newSigner() } });
}

/** ir on the "signed" profile, the first answer changed and signed again with the CA's key. */
async function irWithResignedAnswer(change: (message: PKIMessage) => void) {
  await start();
  const fetch = rewritingFetch(async (body) => ({ body: await resign(body, ca.ca.signer, change) }), 0);
  const client = macClient(server, { fetch, profile: "signed", trust: { anchors: [ca.ca.certificate] } });
  return client.ir({ subject: "CN=checked", key: { signer: await newSigner() } });
}

describe("header", () => {
  it("another pvno", async () => {
    const error = await failure(irWithChangedAnswer((m) => void (m.header.pvno = 3)));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("pvno 3");
  });

  it("a sender that is not a directoryName", async () => {
    const error = await failure(irWithChangedAnswer((m) => void (m.header.sender = new GeneralName({ dNSName: "ca.example" }))));
    expect(error.message).toContain("directoryName");
  });

  it("no recipNonce, or a senderNonce shorter than 128 bits", async () => {
    expect((await failure(irWithChangedAnswer((m) => void (m.header.recipNonce = undefined)))).message).toContain("recipNonce");
    expect((await failure(irWithChangedAnswer((m) => void (m.header.senderNonce = new ArrayBuffer(8))))).message).toContain("senderNonce");
  });

  it("a body of a type that does not answer the request", async () => {
    const error = await failure(irWithChangedAnswer((m) => void (m.body = new PKIBody({ pkiconf: null }))));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("a pkiconf body, where ip was expected");
  });

  it("implicitConfirm granted though not asked for: ignored, certConf is sent", async () => {
    const grant = new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: Uint8Array.of(5, 0).buffer });
    const result = await irWithChangedAnswer((m) => void (m.header.generalInfo = new InfoTypeAndValues([grant])));
    expect(result.implicitlyConfirmed).toBe(false);
    expect(exchanges(server)).toEqual([["ir", "ip"], ["certConf", "pkiconf"]]);
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
  });
});

describe("CertRepMessage", () => {
  it("two CertResponses", async () => {
    const error = await failure(irWithChangedAnswer((m) => void m.body.ip!.response.push(m.body.ip!.response[0]!)));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("exactly one");
  });

  it("another certReqId", async () => {
    const error = await failure(irWithChangedAnswer((m) => void (m.body.ip!.response[0]!.certReqId = 5)));
    expect(error.message).toContain("certReqId 5");
  });

  it("accepted, but no certificate", async () => {
    const error = await failure(
      irWithChangedAnswer((m) => {
        const [response] = m.body.ip!.response;
        m.body.ip!.response[0] = new CertResponse({ certReqId: response!.certReqId, status: response!.status });
      }),
    );
    expect(error.message).toContain("carries no certificate");
  });

  it("a certificate that is no certificate", async () => {
    // The schema hands certificates over as DER; the client's own parse is what refuses this one.
    const notACertificate = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01).buffer;
    const error = await failure(irWithChangedAnswer((m) => void (m.body.ip!.response[0]!.certifiedKeyPair!.certOrEncCert.certificate = notACertificate)));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("carries a certificate that cannot be read");
  });

  it("a caPubs entry that is no certificate", async () => {
    const notACertificate = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01).buffer;
    const error = await failure(irWithChangedAnswer((m) => void (m.body.ip!.caPubs = new CMPCertificatesDer([notACertificate]))));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("caPubs entry (0) that is not a certificate");
  });

  it("an encrypted certificate, which answers a POP we never send", async () => {
    const encryptedCert = new EncryptedKey({ encryptedValue: new EncryptedValue({ encValue: new Uint8Array(16).buffer }) });
    const error = await failure(irWithChangedAnswer((m) => void (m.body.ip!.response[0]!.certifiedKeyPair!.certOrEncCert = new CertOrEncCert({ encryptedCert }))));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("encrypted certificate, which is not supported");
  });
});

describe("protection", () => {
  it("an error MAC-protected with another secret: protection failure that keeps the (unauthenticated) text", async () => {
    const error = await failure(
      irWithChangedAnswer((m) => {
        m.body = AsnConvert.parse(errorBody(new CmpError("badRequest", "made up")), PKIBody);
      }, { secret: "not-the-secret" }),
    );
    expect(error).toMatchObject({ kind: "protection", authenticated: false, failInfo: ["badRequest"], statusString: ["made up"] });
  });

  it("signed with the trusted key, but the sender is not the certificate's subject", async () => {
    const error = await failure(irWithResignedAnswer((m) => void (m.header.sender = new GeneralName({ directoryName: parseDistinguishedName("CN=Someone Else") }))));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("sender is not the subject");
  });

  it("signed with the trusted key, but senderKID is not the certificate's key identifier", async () => {
    const error = await failure(irWithResignedAnswer((m) => void (m.header.senderKID = new Uint8Array(20).buffer)));
    expect(error.message).toContain("senderKID");
  });

  it("signed, without the protection certificate in extraCerts", async () => {
    const error = await failure(irWithResignedAnswer((m) => void (m.extraCerts = undefined)));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("no protection certificate");
  });

  it("signed, with the sender NULL-DN: refused as well", async () => {
    const error = await failure(irWithResignedAnswer((m) => void (m.header.sender = new GeneralName({ directoryName: new Name() }))));
    expect(error.kind).toBe("protection");
  });
});

