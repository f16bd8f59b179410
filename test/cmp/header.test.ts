import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage, bodyType } from "../../src/asn1/index.js";
import { makeTestCa, startEngineServer, type EngineServer } from "../support/engine_server.js";
import { reprotect } from "../support/reprotect.js";

// Header rules on a real OpenSSL ir (test/fixtures/openssl), changed one field
// at a time and protected again with its secret, so that each request passes
// every check but the one under test.

const fixture = new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures/openssl/ir-mac-1-ir.der")));
const SECRET = "fixture-secret";
let server: EngineServer;

beforeAll(async () => {
  server = await startEngineServer({
    ca: await makeTestCa(),
    // The fixture's messageTime is from when it was captured: switch the time check off.
    config: {
      CMP_SECRETS: JSON.stringify({ "fixture-ref": SECRET }),
      JELLYFISH_CONFIG: JSON.stringify({ limits: { messageTimeToleranceSeconds: 0 } }),
    },
  });
});
afterAll(() => server.stop());

async function send(change: (message: PKIMessage) => void): Promise<PKIMessage> {
  const answer = await server.post(await reprotect(fixture, SECRET, change));
  expect(answer.status).toBe(200);
  return AsnConvert.parse(answer.body, PKIMessage);
}

function failInfo(response: PKIMessage): string[] {
  expect(bodyType(response.body)).toBe("error");
  return response.body.error!.pKIStatusInfo.failInfo!.toNames();
}

const fresh = (length: number) => crypto.getRandomValues(new Uint8Array(length)).buffer;

describe("PKIHeader checks", () => {
  it("answers a cmp2021 (pvno 3) request in pvno 3, with an ip", async () => {
    const response = await send((m) => {
      m.header.pvno = 3;
      m.header.transactionID = fresh(16);
    });
    expect(bodyType(response.body)).toBe("ip");
    expect(response.header.pvno).toBe(3);
  });

  it("answers cmp2000 in pvno 2, echoing transactionID and senderNonce", async () => {
    const transactionID = fresh(16);
    const senderNonce = fresh(16);
    const response = await send((m) => {
      m.header.transactionID = transactionID;
      m.header.senderNonce = senderNonce;
    });
    expect(bodyType(response.body)).toBe("ip");
    expect(response.header.pvno).toBe(2);
    expect(Buffer.from(response.header.transactionID!)).toEqual(Buffer.from(transactionID));
    expect(Buffer.from(response.header.recipNonce!)).toEqual(Buffer.from(senderNonce));
    expect(response.header.senderNonce!.byteLength).toBe(16);
    expect(response.header.sender.directoryName).toBeDefined();
  });

  it("refuses pvno 1 with unsupportedVersion", async () => {
    expect(failInfo(await send((m) => (m.header.pvno = 1)))).toEqual(["unsupportedVersion"]);
  });

  it("refuses a short transactionID with badDataFormat", async () => {
    expect(failInfo(await send((m) => (m.header.transactionID = fresh(8))))).toEqual(["badDataFormat"]);
  });

  it("refuses a short senderNonce with badSenderNonce", async () => {
    expect(failInfo(await send((m) => (m.header.senderNonce = fresh(15))))).toEqual(["badSenderNonce"]);
  });

  it("refuses a recipNonce in an ir with badRecipientNonce", async () => {
    expect(failInfo(await send((m) => (m.header.recipNonce = fresh(16))))).toEqual(["badRecipientNonce"]);
  });

  it("refuses an unprotected request with badMessageCheck, unprotected", async () => {
    const message = AsnConvert.parse(fixture, PKIMessage);
    message.protection = undefined;
    const answer = await server.post(new Uint8Array(AsnConvert.serialize(message)));
    const response = AsnConvert.parse(answer.body, PKIMessage);
    expect(failInfo(response)).toEqual(["badMessageCheck"]);
    expect(response.protection).toBeUndefined();
  });

  it("refuses trailing bytes after the PKIMessage with HTTP 400", async () => {
    const answer = await server.post(new Uint8Array([...fixture, 0x00]));
    expect(answer.status).toBe(400);
    expect(failInfo(AsnConvert.parse(answer.body, PKIMessage))).toEqual(["badDataFormat"]);
  });

  it("changes nothing when it refuses", async () => {
    const before = (await server.store.list("")).items.length;
    await send((m) => (m.header.pvno = 1));
    await send((m) => (m.header.senderNonce = fresh(4)));
    expect((await server.store.list("")).items.length).toBe(before);
  });
});
