import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { CmpClient, type Fetch } from "../../src/client/index.js";
import { makeTestCa, type EngineServer, type TestCa } from "../support/engine_server.js";
import { enrollWithMac, exchanges, macClient, recordOf, signatureClient, startJellyfish } from "./jellyfish_harness.js";
import { newSigner } from "./keys.js";
import { failure, rewritingFetch } from "./wire.js";

// What the client refuses, against Jellyfish and against what a hostile
// network could make of Jellyfish's answers.

let ca: TestCa;
let otherCa: TestCa;
let server: EngineServer;

beforeAll(async () => {
  ca = await makeTestCa();
  otherCa = await makeTestCa("P-256", "CN=Unrelated CA");
});
afterEach(async () => {
  await server?.stop();
});

async function start(): Promise<EngineServer> {
  server = await startJellyfish(ca);
  return server;
}

/**
 * Flip the last octet of the PKIBody: in an ip/cp that is the last octet of
 * the certificate's signature, so the message still decodes and only its
 * protection can tell.
 */
function flipLastBodyOctet(message: Uint8Array): Uint8Array {
  const body = readChildren(message, readElement(message, 0))[1]!;
  const copy = message.slice();
  copy[body.end - 1]! ^= 0x01;
  return copy;
}

describe("server errors", () => {
  it("a wrong secret: Jellyfish answers an unprotected error, which the client refuses as a protection failure but quotes", async () => {
    await start();
    const error = await failure(macClient(server, { secret: "wrong" }).ir({ subject: "CN=x", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protection");
    expect(error.authenticated).toBe(false);
    expect(error.failInfo).toEqual(["badMessageCheck"]);
    expect(error.statusString.join()).toContain("MAC verification failed");
    expect(error.message).toContain("not protected");
    expect(error.message).toContain("MAC verification failed");
    expect(exchanges(server)).toEqual([["ir", "error"]]);
  });

  it("an unknown reference: the same, with signerNotTrusted", async () => {
    await start();
    const client = new CmpClient({ url: server.url, protection: { mac: { reference: "nobody", secret: "s3cret" } } });
    const error = await failure(client.ir({ subject: "CN=x", key: { signer: await newSigner() } }));
    expect(error).toMatchObject({ kind: "protection", authenticated: false, failInfo: ["signerNotTrusted"] });
  });

  it("a refusal after authentication is a protected error: rejected, with the server's failInfo and text", async () => {
    await start();
    // An end entity revokes with a signature by the certificate (RFC 9483 §4.2); the MAC is verified first.
    const device = await enrollWithMac(server, "CN=mac-rr");
    const error = await failure(macClient(server).rr({ certificate: device.certificate }));
    expect(error).toMatchObject({ kind: "rejected", authenticated: true, failInfo: ["wrongIntegrity"] });
    expect(error.statusInfo?.status).toBe("rejection");
    expect(error.statusString.join()).toContain("revocation request must be signed");
  });
});

describe("tampered, replayed or misdelivered answers", () => {
  it("a flipped octet in a MAC-protected ip: protection failure, no certConf, the certificate stays unconfirmed", async () => {
    await start();
    let ip: Uint8Array | undefined;
    const fetch = rewritingFetch((body) => ({ body: flipLastBodyOctet((ip = body)) }), 0);
    const error = await failure(macClient(server, { fetch }).ir({ subject: "CN=tampered", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("MAC does not verify");
    expect(exchanges(server)).toEqual([["ir", "ip"]]);
    const [record] = (await server.store.list<{ status: string }>("cert/")).items;
    expect(record!.value.status).toBe("issued");
    expect(ip).toBeDefined();
  });

  it("a flipped octet in a signed cp: protection failure", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=signer");
    const fetch = rewritingFetch((body) => ({ body: flipLastBodyOctet(body) }), 0);
    const error = await failure(signatureClient(server, ca, device, { fetch }).cr({ subject: "CN=tampered-cp", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("signature does not verify");
  });

  it("another transaction's (authentic) answer: refused for its transactionID", async () => {
    await start();
    let recorded: Uint8Array | undefined;
    const recording = rewritingFetch((body) => {
      recorded ??= body;
      return { body };
    });
    await macClient(server, { fetch: recording }).ir({ subject: "CN=first", key: { signer: await newSigner() } });
    const replay: Fetch = async () => new Response(recorded, { status: 200, headers: { "content-type": "application/pkixcmp" } });
    const error = await failure(macClient(server, { fetch: replay }).ir({ subject: "CN=first", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("transactionID");
  });

  it("the ip again in answer to certConf: refused for its recipNonce", async () => {
    await start();
    let ip: Uint8Array | undefined;
    const fetch = rewritingFetch((body) => ({ body: (ip ??= body) }));
    const error = await failure(macClient(server, { fetch }).ir({ subject: "CN=nonce", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protocol");
    expect(error.message).toContain("recipNonce");
  });

  it("HTTP: a status other than 200, a Content-Type with parameters, a body that is not CMP, a body too large", async () => {
    await start();
    const key = { signer: await newSigner() };
    const notFound = await failure(new CmpClient({ url: `${server.url}/p/nosuchprofile`, protection: { mac: { reference: "dev", secret: "s3cret" } } }).ir({ subject: "CN=x", key }));
    expect(notFound).toMatchObject({ kind: "http", httpStatus: 404 });

    const parameters = rewritingFetch((body) => ({ body, headers: { "content-type": "application/pkixcmp; charset=binary" } }));
    expect(await failure(macClient(server, { fetch: parameters }).ir({ subject: "CN=x", key }))).toMatchObject({ kind: "http" });

    const garbage = rewritingFetch(() => ({ body: new TextEncoder().encode("<html>hello</html>") }));
    expect(await failure(macClient(server, { fetch: garbage }).ir({ subject: "CN=x", key }))).toMatchObject({ kind: "protocol" });

    const huge = rewritingFetch(() => ({ body: new Uint8Array(200 * 1024) }));
    const tooLarge = await failure(macClient(server, { fetch: huge }).ir({ subject: "CN=x", key }));
    expect(tooLarge.kind).toBe("http");
    expect(tooLarge.message).toContain("larger than");
  });

  it("HTTP 400 from Jellyfish keeps its (unprotected) reason", async () => {
    await start();
    // A request body that is not DER: the client never sends one, so rewrite ours on the way.
    const client = new CmpClient({
      url: server.url,
      protection: { mac: { reference: "dev", secret: "s3cret" } },
      fetch: (url, init) => fetch(url, { ...init, body: new Uint8Array([1, 2, 3]) }),
    });
    const error = await failure(client.ir({ subject: "CN=x", key: { signer: await newSigner() } }));
    expect(error).toMatchObject({ kind: "http", httpStatus: 400, failInfo: ["badDataFormat"], authenticated: false });
  });

  it("an authentic CMP error with HTTP 500 is read (RFC 9811 §3.1): rejected, with the HTTP status", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=status-500");
    const fetch = rewritingFetch((body) => ({ body, status: 500 }));
    const error = await failure(macClient(server, { fetch }).rr({ certificate: device.certificate }));
    expect(error).toMatchObject({ kind: "rejected", authenticated: true, httpStatus: 500, failInfo: ["wrongIntegrity"] });
  });

  it("a redirect is not followed", async () => {
    await start();
    const redirecting: Server = createServer((_, res) => res.writeHead(301, { location: server.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const client = new CmpClient({ url: `http://127.0.0.1:${port}/`, protection: { mac: { reference: "dev", secret: "s3cret" } } });
      expect(await failure(client.ir({ subject: "CN=x", key: { signer: await newSigner() } }))).toMatchObject({ kind: "http", httpStatus: 301 });
      expect(server.requests).toEqual([]);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });

  it("no answer in time: timeout", async () => {
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      const client = new CmpClient({ url: `http://127.0.0.1:${port}/`, messageTimeoutMs: 300, protection: { mac: { reference: "dev", secret: "s3cret" } } });
      const error = await failure(client.ir({ subject: "CN=x", key: { signer: await newSigner() } }));
      expect(error.kind).toBe("timeout");
      // A fetch that ignores the abort signal is not waited for either.
      const deaf: Fetch = () => new Promise<Response>(() => undefined);
      const stuck = new CmpClient({ url: "http://127.0.0.1:9/", fetch: deaf, messageTimeoutMs: 300, protection: { mac: { reference: "dev", secret: "s3cret" } } });
      expect(await failure(stuck.ir({ subject: "CN=x", key: { signer: await newSigner() } }))).toMatchObject({ kind: "timeout" });
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});

describe("trust in signed answers", () => {
  it("anchors that do not include the server's CA: protection failure (signerNotTrusted)", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=untrusting");
    const client = signatureClient(server, ca, device, { trust: { anchors: [otherCa.ca.certificate] } });
    const error = await failure(client.cr({ subject: "CN=y", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("signerNotTrusted");
  });

  it("a pinned certificate that is not the server's: protection failure", async () => {
    await start();
    const device = await enrollWithMac(server, "CN=pinning");
    const client = signatureClient(server, ca, device, { trust: { pinned: otherCa.ca.certificate } });
    const error = await failure(client.cr({ subject: "CN=y", key: { signer: await newSigner() } }));
    expect(error.kind).toBe("protection");
  });

  it("a MAC client gets signed answers (profile responseProtection signature): refused without trust, accepted with it", async () => {
    await start();
    const key = { signer: await newSigner() };
    const error = await failure(macClient(server, { profile: "signed" }).ir({ subject: "CN=signed-answer", key }));
    expect(error.kind).toBe("protection");
    expect(error.message).toContain("no trust");
    const result = await macClient(server, { profile: "signed", trust: { anchors: [ca.ca.certificate] } }).ir({ subject: "CN=signed-answer", key });
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
  });
});

