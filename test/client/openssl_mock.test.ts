import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PBMParameter } from "../../src/asn1/pbm.js";
import { id_it_caCerts } from "../../src/asn1/oids.js";
import { OID } from "../../src/crypto/algorithms.js";
import { CmpClient, type CmpClientOptions, type Fetch } from "../../src/client/index.js";
import type { LocalSigner } from "../../src/kms/local.js";
import { makeCsr, makeKey, makeTempDir, type TempDir } from "../support/openssl.js";
import { opensslCa } from "../support/openssl_ca.js";
import { certificateFromFile, csrFromFile, signerFromFile } from "./keys.js";
import { startOpensslMock, type OpensslMockServer } from "./openssl_mock_server.js";
import { failure } from "./wire.js";

// The client against an independent implementation: the mock server of
// `openssl cmp` (OpenSSL 3.0). It answers every certificate request with
// its configured -rsp_cert, so whether the client accepts that certificate
// depends on whether it was made for the requested key.

let dir: TempDir;
const paths = { ca: "", serverCert: "", serverKey: "", clientCert: "", clientKey: "", newKey: "", newCert: "", otherKey: "" };
const der: Record<"ca" | "serverCert" | "clientCert" | "newCert", Uint8Array> = { ca: new Uint8Array(), serverCert: new Uint8Array(), clientCert: new Uint8Array(), newCert: new Uint8Array() };
let clientSigner: LocalSigner;
let newKey: LocalSigner;
let otherKey: LocalSigner;
let mock: OpensslMockServer | undefined;

const MAC = ["-srv_ref", "mock-ref", "-srv_secret", "pass:mock-secret"];

beforeAll(async () => {
  dir = await makeTempDir("jellyfish-client-mock-");
  const ca = await opensslCa(dir.path, { name: "mock-ca", subject: "/CN=Mock Test CA" });
  paths.ca = ca.certPath;
  paths.serverKey = await makeKey(dir.file("server.key.pem"));
  paths.serverCert = await ca.issue("server", { subject: "/CN=Mock CMP Server", keyPath: paths.serverKey });
  paths.clientKey = await makeKey(dir.file("client.key.pem"));
  paths.clientCert = await ca.issue("device0", { subject: "/CN=device0", keyPath: paths.clientKey });
  // The key the client asks to certify, and the certificate the mock returns: made for that key.
  paths.newKey = await makeKey(dir.file("new.key.pem"));
  paths.newCert = await ca.issue("device1", { subject: "/CN=device1", keyPath: paths.newKey });
  paths.otherKey = await makeKey(dir.file("other.key.pem"));
  der.ca = await certificateFromFile(paths.ca);
  der.serverCert = await certificateFromFile(paths.serverCert);
  der.clientCert = await certificateFromFile(paths.clientCert);
  der.newCert = await certificateFromFile(paths.newCert);
  clientSigner = await signerFromFile(paths.clientKey);
  newKey = await signerFromFile(paths.newKey);
  otherKey = await signerFromFile(paths.otherKey);
}, 60_000);
afterEach(async () => {
  await mock?.stop();
  mock = undefined;
});
afterAll(() => dir.remove());

async function start(args: readonly string[]): Promise<OpensslMockServer> {
  mock = await startOpensslMock(["-rsp_cert", paths.newCert, ...args]);
  return mock;
}

function macClient(extra: Partial<CmpClientOptions> = {}): CmpClient {
  return new CmpClient({ url: mock!.url, protection: { mac: { reference: "mock-ref", secret: "mock-secret" } }, fetch: mock!.fetch, ...extra });
}

function signatureClient(extra: Partial<CmpClientOptions> = {}): CmpClient {
  return new CmpClient({
    url: mock!.url,
    fetch: mock!.fetch,
    protection: { signature: { signer: clientSigner, certificates: [der.clientCert] } },
    trust: { anchors: [der.ca] },
    ...extra,
  });
}

/**
 * How many requests the mock has logged, once it has logged `expected` or a
 * second has passed: its log line for the last request can arrive after the
 * answer has (it is another process writing to a pipe).
 */
async function requestsLogged(expected: number): Promise<number> {
  const deadline = Date.now() + 1000;
  while (mock!.requestCount() < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  // A moment more, so that one request too many would show as well.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return mock!.requestCount();
}

/** A fetch that keeps what went over the wire. */
function recorder(): { fetch: Fetch; requests: Uint8Array[]; responses: Uint8Array[] } {
  const requests: Uint8Array[] = [];
  const responses: Uint8Array[] = [];
  return {
    requests,
    responses,
    fetch: async (url, init) => {
      requests.push(init.body);
      const response = await mock!.fetch(url, init);
      const body = new Uint8Array(await response.arrayBuffer());
      responses.push(body);
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
}

describe("MAC protection (PBM)", () => {
  it("ir for the key the mock's certificate certifies: accepted, caPubs returned, certConf sent", async () => {
    await start([...MAC, "-rsp_capubs", paths.ca]);
    const wire = recorder();
    const result = await macClient({ fetch: wire.fetch }).ir({ subject: "CN=device1", key: { signer: newKey } });
    expect(result.certificate).toEqual(der.newCert);
    expect(result.caPubs).toEqual([der.ca]);
    expect(result.implicitlyConfirmed).toBe(false);
    expect(await requestsLogged(2)).toBe(2);
    // The mock MACs with its own PBM choice (HMAC-SHA1, 500 iterations), read from its protectionAlg, not ours.
    const ip = AsnConvert.parse(wire.responses[0]!, PKIMessage);
    const pbm = AsnConvert.parse(ip.header.protectionAlg!.parameters!, PBMParameter);
    expect([pbm.mac.algorithm, pbm.iterationCount]).toEqual([OID.hmacSha1, 500n]);
  });

  it("ir for another key: the mock's certificate is refused, and a certConf rejecting it (incorrectData) is sent", async () => {
    await start(MAC);
    const wire = recorder();
    const error = await failure(macClient({ fetch: wire.fetch }).ir({ subject: "CN=device1", key: { signer: otherKey } }));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("another public key");
    expect(wire.requests).toHaveLength(2);
    const certConf = AsnConvert.parse(wire.requests[1]!, PKIMessage).body.certConf![0]!;
    expect(certConf.statusInfo?.status).toBe(2);
    expect(certConf.statusInfo?.failInfo?.toNames()).toEqual(["incorrectData"]);
    expect(await requestsLogged(2)).toBe(2);
  });

  it("implicit confirmation granted (-grant_implicitconf): one message only", async () => {
    await start([...MAC, "-grant_implicitconf"]);
    const result = await macClient({ implicitConfirm: true }).ir({ subject: "CN=device1", key: { signer: newKey } });
    expect(result.implicitlyConfirmed).toBe(true);
    expect(await requestsLogged(1)).toBe(1);
  });

  it("p10cr with an openssl CSR for the certified key", async () => {
    await start(MAC);
    const csr = await csrFromFile(await makeCsr(dir.file("device1.csr.pem"), paths.newKey, "/CN=device1"));
    const result = await macClient().p10cr({ csr });
    expect(result.certificate).toEqual(der.newCert);
  });

  it("polling: -poll_count 2 -check_after 1, then the certificate", async () => {
    await start([...MAC, "-poll_count", "2", "-check_after", "1"]);
    const result = await macClient().ir({ subject: "CN=device1", key: { signer: newKey } });
    expect(result.certificate).toEqual(der.newCert);
    expect(await requestsLogged(4)).toBe(4); // ir, pollReq, pollReq, certConf
  });

  it("genm: the mock echoes the InfoTypeAndValues it gets", async () => {
    await start(MAC);
    const result = await macClient().genm({ infoTypes: [id_it_caCerts] });
    expect(result.infos).toEqual([{ infoType: id_it_caCerts, infoValue: undefined }]);
  });

  it("a rejection status (-pkistatus 2 -failure 7 -statusstring): rejected, with the names and the text", async () => {
    await start([...MAC, "-pkistatus", "2", "-failure", "7", "-statusstring", "no such device"]);
    const error = await failure(macClient().ir({ subject: "CN=device1", key: { signer: newKey } }));
    expect(error).toMatchObject({ kind: "rejected", authenticated: true, failInfo: ["incorrectData"], statusString: ["no such device"] });
  });

  it("an error message (-send_error): rejected", async () => {
    await start([...MAC, "-send_error"]);
    const error = await failure(macClient().ir({ subject: "CN=device1", key: { signer: newKey } }));
    expect(error).toMatchObject({ kind: "rejected", authenticated: true });
  });

  it("unprotected answers (-send_unprotected): refused as a protection failure", async () => {
    await start([...MAC, "-send_unprotected"]);
    const error = await failure(macClient().ir({ subject: "CN=device1", key: { signer: newKey } }));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("not protected");
  });

  it("a wrong secret: the mock's answer does not verify", async () => {
    await start(["-srv_ref", "mock-ref", "-srv_secret", "pass:another-secret", "-accept_unprotected"]);
    const error = await failure(macClient().ir({ subject: "CN=device1", key: { signer: newKey } }));
    expect(error.kind).toBe("protection");
  });
});

describe("signature protection", () => {
  const SIGNED = () => ["-srv_cert", paths.serverCert, "-srv_key", paths.serverKey, "-srv_trusted", paths.ca];

  it("cr: the mock's signed cp is validated up to the CA; the certificate is for our key", async () => {
    await start(SIGNED());
    const result = await signatureClient().cr({ subject: "CN=device1", key: { signer: newKey } });
    expect(result.certificate).toEqual(der.newCert);
    expect(result.extraCerts[0]).toEqual(der.serverCert);
    expect(await requestsLogged(2)).toBe(2);
  });

  it("cr with the mock's certificate pinned", async () => {
    await start(SIGNED());
    const result = await signatureClient({ trust: { pinned: der.serverCert } }).cr({ subject: "CN=device1", key: { signer: newKey } });
    expect(result.certificate).toEqual(der.newCert);
  });

  it("cr for another key: refused", async () => {
    await start(SIGNED());
    const error = await failure(signatureClient().cr({ subject: "CN=device1", key: { signer: otherKey } }));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("another public key");
  });

  it("cr trusting only another anchor (the client's own certificate pinned): refused", async () => {
    await start(SIGNED());
    const error = await failure(signatureClient({ trust: { pinned: der.clientCert } }).cr({ subject: "CN=device1", key: { signer: newKey } }));
    expect(error.kind).toBe("protection");
  });

  it("kur: oldCertID names the certificate being updated; the new key's certificate comes back", async () => {
    await start(SIGNED());
    // The mock wants oldCertID to name its -rsp_cert (it plays the certificate being updated), whoever signs.
    const wrong = await failure(signatureClient().kur({ key: { signer: newKey } }));
    expect(wrong).toMatchObject({ kind: "rejected", failInfo: ["badRequest"] });
    expect(wrong.statusString.join()).toContain("wrong certid");
    const result = await signatureClient().kur({ key: { signer: newKey }, oldCertificate: der.newCert });
    expect(result.certificate).toEqual(der.newCert);
  });

  it("rr of the certificate the mock issued: accepted", async () => {
    await start(SIGNED());
    const result = await signatureClient().rr({ certificate: der.newCert, reason: "superseded" });
    expect(result.status.status).toBe("accepted");
  });
});
