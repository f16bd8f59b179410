import { Name } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { InfoTypeAndValue } from "../../src/asn1/info_type_and_value.js";
import { id_it_origPKIMessage } from "../../src/asn1/oids.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { ProofOfPossession } from "../../src/asn1/proof_of_possession.js";
import { parseDer } from "../../src/asn1/parse_der.js";
import { serializeDer } from "../../src/asn1/serialize_der.js";
import { batchingFetch, CmpClient, CmpClientError, type Fetch } from "../../src/client/index.js";
import { outgoingProtection } from "../../src/client/outgoing_protection.js";
import { encodeRequest } from "../../src/client/request_message.js";
import { decodeShell } from "../../src/cmp/decode.js";
import type { LocalSigner } from "../../src/kms/local.js";
import { MemoryStore } from "../../src/store/memory.js";
import { inProcessEngine, type InProcessEngine } from "../support/engine_fetch.js";
import { reprotect } from "../support/reprotect.js";
import { makeTestCa, newTestSigner, type TestCa } from "../support/test_ca.js";

// RFC 9483 §5.2.2: a registration authority forwards its end entities'
// messages in nested messages it signs; the CA authenticates each inner
// message on its own and answers a batch with a nest of answers in the same
// order, or a message with added protection with that message's own answer.

const SECRETS = { dev: "s3cret", second: "second-secret" };
let ca: TestCa;
let raCa: TestCa;
let ra: { signer: LocalSigner; certificate: Uint8Array };
let stranger: { signer: LocalSigner; certificate: Uint8Array };

beforeAll(async () => {
  ca = await makeTestCa("P-256", "CN=Nested Test CA");
  raCa = await makeTestCa("P-256", "CN=RA CA");
  // The RA's certificate, from the RA CA (another engine), so that only it chains to the "ra" anchor.
  const raIssuer = inProcessEngine({ ca: raCa, store: new MemoryStore() });
  const raSigner = await newTestSigner();
  ra = { signer: raSigner, certificate: (await raIssuer.macClient().ir({ subject: "CN=Test RA", key: { signer: raSigner } })).certificate };
  // A certificate of our own CA: it authenticates its holder, who is no RA.
  const plain = inProcessEngine({ ca, store: new MemoryStore() });
  const strangerSigner = await newTestSigner();
  stranger = { signer: strangerSigner, certificate: (await plain.macClient().ir({ subject: "CN=Not an RA", key: { signer: strangerSigner } })).certificate };
});

function engine(): InProcessEngine {
  return inProcessEngine({
    ca,
    store: new MemoryStore(),
    config: {
      CMP_SECRETS: JSON.stringify(SECRETS),
      RA_CA: raCa.certificatePem,
      JELLYFISH_CONFIG: JSON.stringify({ trustAnchors: { ra: "env:RA_CA" }, profiles: { default: { ra: { trustAnchors: ["ra"] } } } }),
    },
  });
}

/** The RA's client: signs with the RA key, trusts our CA's signed answers. */
function raClient(server: InProcessEngine, who = ra): CmpClient {
  return server.signatureClient(who.signer, who.certificate);
}

/** An end entity's ir as its client would send it, captured instead of sent. */
async function capturedIr(server: InProcessEngine, options: { subject: string; secret?: string; reference?: string; badPop?: boolean }): Promise<Uint8Array> {
  let captured: Uint8Array | undefined;
  const capture: Fetch = async (_url, init) => {
    captured = init.body;
    throw new Error("captured");
  };
  const client = server.macClient({ fetch: capture, reference: options.reference, secret: options.secret });
  const signer = await newTestSigner();
  const publicKey = options.badPop ? (await newTestSigner()).publicKey : undefined;
  await client.ir({ subject: options.subject, key: { signer, publicKey } }).catch(() => undefined);
  return captured!;
}

async function certificateCount(server: InProcessEngine): Promise<number> {
  return (await server.store.list("cert/")).items.length;
}

async function storedKeys(server: InProcessEngine): Promise<number> {
  return (await server.store.list("")).items.length;
}

function breakPop(message: PKIMessage): void {
  const pop = message.body.ir![0]!.popo!.signature!;
  const signature = new Uint8Array(pop.signature.slice(0));
  signature[signature.length - 1]! ^= 1;
  pop.signature = signature.buffer;
}

/** A nest of `messages`, signed by `who`, with the given header ids (fresh ones by default). */
async function nest(messages: Uint8Array[], ids: { transactionID?: Uint8Array; senderNonce?: Uint8Array } = {}, who = ra): Promise<Uint8Array> {
  const protection = outgoingProtection({ signature: { signer: who.signer, certificates: [who.certificate] } }, (n) => crypto.getRandomValues(new Uint8Array(n)));
  return encodeRequest(
    {
      pvno: 2,
      sender: protection.sender!,
      recipient: new Name(),
      now: new Date(),
      transactionID: ids.transactionID ?? crypto.getRandomValues(new Uint8Array(16)),
      senderNonce: ids.senderNonce ?? crypto.getRandomValues(new Uint8Array(16)),
    },
    encodeTlv(0xb4, [encodeSequence(messages)]),
    protection,
  );
}

function idsOf(message: Uint8Array): { transactionID: Uint8Array; senderNonce: Uint8Array } {
  const { header } = decodeShell(message)!;
  return { transactionID: new Uint8Array(header.transactionID!), senderNonce: new Uint8Array(header.senderNonce!) };
}

describe("batching (RFC 9483 §5.2.2.2)", () => {
  it("answers three devices' irs, one with a bad POP, with two certificates and one rejection in one nest", async () => {
    const server = engine();
    const raCmp = raClient(server);
    const fetch = batchingFetch((messages) => raCmp.batch(messages), 3);
    // The second device's POP signature is broken on its way (and its MAC made good again), as a faulty device would send it.
    const brokenPop: Fetch = async (url, init) => fetch(url, { ...init, body: await reprotect(init.body, "second-secret", breakPop) });
    const device = (reference: string, secret: string, through = fetch) => server.macClient({ reference, secret, fetch: through, implicitConfirm: true });
    const results = await Promise.allSettled([
      device("dev", "s3cret").ir({ subject: "CN=device-1", key: { signer: await newTestSigner() } }),
      device("second", "second-secret", brokenPop).ir({ subject: "CN=device-2", key: { signer: await newTestSigner() } }),
      device("dev", "s3cret").ir({ subject: "CN=device-3", key: { signer: await newTestSigner() } }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const refused = (results[1] as PromiseRejectedResult).reason as CmpClientError;
    expect(refused).toBeInstanceOf(CmpClientError);
    expect(refused.statusInfo?.failInfo).toContain("badPOP");
    // One message reached the engine: the nest, answered with a nest.
    expect(server.logs).toHaveLength(1);
    expect(server.logs[0]).toMatchObject({ bodyType: "nested", responseType: "nested" });
    expect(server.logs[0]!.nested!.map((entry) => [entry.bodyType, entry.responseType, entry.outcome])).toEqual([
      ["ir", "ip", "issued (implicitly confirmed)"],
      ["ir", "ip", "rejected"],
      ["ir", "ip", "issued (implicitly confirmed)"],
    ]);
    expect(await certificateCount(server)).toBe(2);
  });

  it("refuses a nest from a sender that is not a trusted RA, and records nothing", async () => {
    const server = engine();
    const inner = await capturedIr(server, { subject: "CN=device" });
    const answer = await server.post(await nest([inner], {}, stranger));
    expect(answer?.type).toBe("error");
    expect(server.logs[0]!.failInfo).toEqual(["notAuthorized"]);
    expect(await certificateCount(server)).toBe(0);
    expect(await storedKeys(server)).toBe(0);
  });

  it("refuses the whole batch when one inner message does not authenticate, naming it, and records nothing", async () => {
    const server = engine();
    const good = await capturedIr(server, { subject: "CN=good" });
    const forged = await capturedIr(server, { subject: "CN=forged", secret: "not-the-secret" });
    await server.post(await nest([good, forged]));
    expect(server.logs[0]).toMatchObject({ outcome: "error", failInfo: ["badMessageCheck"] });
    expect(server.logs[0]!.reason).toMatch(/^inner message #2 \(ir\)/);
    expect(await storedKeys(server)).toBe(0);
  });

  it("refuses repeated transactionIDs and senderNonces inside a batch", async () => {
    const server = engine();
    const first = await capturedIr(server, { subject: "CN=one" });
    await server.post(await nest([first, first]));
    expect(server.logs[0]!.failInfo).toEqual(["transactionIdInUse"]);
    const second = await capturedIr(server, { subject: "CN=two" });
    // The nest's own ids may not reappear inside either.
    await server.post(await nest([first, second], { senderNonce: idsOf(second).senderNonce }));
    expect(server.logs[1]!.failInfo).toEqual(["badSenderNonce"]);
    expect(await storedKeys(server)).toBe(0);
  });

  it("refuses a MAC-protected nest with wrongIntegrity (RFC 9483 §5.2.2)", async () => {
    const server = engine();
    const inner = await capturedIr(server, { subject: "CN=device" });
    const protection = outgoingProtection({ mac: { reference: "dev", secret: "s3cret" } }, (n) => crypto.getRandomValues(new Uint8Array(n)));
    const macNest = await encodeRequest(
      { pvno: 2, sender: new Name(), recipient: new Name(), now: new Date(), ...idsOf(inner) },
      encodeTlv(0xb4, [encodeSequence([inner])]),
      protection,
    );
    await server.post(macNest);
    expect(server.logs[0]!.failInfo).toEqual(["wrongIntegrity"]);
  });
});

describe("what an RA may and may not put in a nest", () => {
  it("takes an unprotected inner request as the RA's own: raVerified is then accepted (RFC 9483 §5.2.2.2, §5.3)", async () => {
    const server = engine();
    const message = parseDer(await capturedIr(server, { subject: "CN=vouched-for" }), PKIMessage);
    message.header.protectionAlg = undefined;
    message.header.senderKID = undefined;
    message.body.ir![0]!.popo = new ProofOfPossession({ raVerified: null });
    const unprotected = serializeDer(new PKIMessage({ header: message.header, body: message.body }));
    const other = await capturedIr(server, { subject: "CN=protected" });
    const answer = await server.post(await nest([unprotected, other]));
    expect(answer?.type).toBe("nested");
    expect(server.logs[0]!.nested!.map((entry) => entry.outcome)).toEqual(["issued", "issued"]);
    expect(await certificateCount(server)).toBe(2);
  });

  it("refuses a nest inside a nest, and more than 32 messages", async () => {
    const server = engine();
    const inner = await capturedIr(server, { subject: "CN=deep" });
    await server.post(await nest([await nest([inner]), await capturedIr(server, { subject: "CN=shallow" })]));
    expect(server.logs[0]).toMatchObject({ failInfo: ["badRequest"], reason: "inner message #1 is itself nested; one level of nesting is served" });
    // Counted before any inner message is decoded (empty SEQUENCEs stand in for messages here) ...
    await server.post(await nest(Array.from({ length: 33 }, () => Uint8Array.of(0x30, 0x00))));
    expect(server.logs[1]!.failInfo).toEqual(["badRequest"]);
    expect(server.logs[1]!.reason).toMatch(/at most 32 messages/);
    // ... and 33 real irs exceed the whole request's DER element budget before that.
    await server.post(await nest(Array.from({ length: 33 }, () => inner)));
    expect(server.logs[2]).toMatchObject({ failInfo: ["badDataFormat"], reason: expect.stringMatching(/decoding limit/) });
    expect(await storedKeys(server)).toBe(0);
  });
});

describe("adding protection (RFC 9483 §5.2.2.1)", () => {
  it("answers the one message with its own answer, which the end entity verifies", async () => {
    const server = engine();
    const raCmp = raClient(server);
    const device = server.macClient({ implicitConfirm: true, fetch: async (_url, init) => new Response(await raCmp.addProtection(init.body), { headers: { "content-type": "application/pkixcmp" } }) });
    const result = await device.ir({ subject: "CN=protected", key: { signer: await newTestSigner() } });
    expect(result.certificate.length).toBeGreaterThan(0);
    expect(server.logs[0]).toMatchObject({ bodyType: "nested", responseType: "ip", outcome: "issued (implicitly confirmed)" });
  });

  it("refuses a nest that copies the transactionID but not the senderNonce, or the other way round", async () => {
    const server = engine();
    const inner = await capturedIr(server, { subject: "CN=device" });
    const { transactionID, senderNonce } = idsOf(inner);
    await server.post(await nest([inner], { transactionID }));
    expect(server.logs[0]!.failInfo).toEqual(["badSenderNonce"]);
    await server.post(await nest([inner], { senderNonce }));
    expect(server.logs[1]!.failInfo).toEqual(["badRequest"]);
    expect(await storedKeys(server)).toBe(0);
  });
});

describe("origPKIMessage (RFC 9810 §5.1.1.3)", () => {
  it("refuses an RA's request whose original message does not verify", async () => {
    const server = engine();
    const original = await capturedIr(server, { subject: "CN=device", secret: "not-the-secret" });
    const inner = await capturedIr(server, { subject: "CN=device" });
    const protection = outgoingProtection({ signature: { signer: ra.signer, certificates: [ra.certificate] } }, (n) => crypto.getRandomValues(new Uint8Array(n)));
    const shell = decodeShell(inner)!;
    const request = await encodeRequest(
      {
        pvno: 2,
        sender: protection.sender!,
        recipient: new Name(),
        now: new Date(),
        transactionID: crypto.getRandomValues(new Uint8Array(16)),
        senderNonce: crypto.getRandomValues(new Uint8Array(16)),
        generalInfo: [new InfoTypeAndValue({ infoType: id_it_origPKIMessage, infoValue: encodeSequence([original]).slice().buffer })],
      },
      shell.bodyDer,
      protection,
    );
    await server.post(request);
    expect(server.logs[0]).toMatchObject({ outcome: "error", failInfo: ["badMessageCheck"] });
    expect(server.logs[0]!.reason).toMatch(/^origPKIMessage #1/);
  });
});
