import { describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import { CmpClientError } from "../../src/client/index.js";
import { certConfBody } from "../../src/client/cert_conf.js";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { decodeRequest as decodeMessage } from "../../src/cmp/decode.js";
import { expireStale } from "../../src/cmp/expiry.js";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/store.js";
import { resign } from "../client/wire.js";
import { inProcessEngine } from "../support/engine_fetch.js";
import { makeTestCa, newTestSigner } from "../support/test_ca.js";

// The kur claim (src/cmp/update_claim.ts) lasts exactly as long as its
// transaction can still yield a successor: a kur that waits keeps it, and
// every way a transaction ends without a confirmed successor frees the old
// certificate for another kur. (The race itself: kur_race.ts.)

const CONFIG = {
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: {
      default: { implicitConfirm: false, keyUpdate: { revokeOldCertificate: true }, confirmation: { waitSeconds: 600, revokeUnconfirmed: true } },
      approval: { implicitConfirm: false, approval: { hold: "all", checkAfterSeconds: 1, pendingTtlSeconds: 600 } },
    },
  }),
};

async function setup() {
  let clock = Date.now();
  const engine = inProcessEngine({ ca: await makeTestCa(), store: new MemoryStore(() => clock), config: CONFIG, now: () => new Date(clock) });
  const signer = await newTestSigner();
  const { certificate } = await engine.macClient({ implicitConfirm: true }).ir({ subject: "CN=claimed", key: { signer } });
  const kur = async (options: { profile?: string; fetch?: typeof engine.fetch } = {}) =>
    engine.signatureClient(signer, certificate, { pollLimitMs: 0, now: () => new Date(clock), ...options }).kur({ key: { signer: await newTestSigner() } });
  return { engine, signer, certificate, kur, advance: (seconds: number) => (clock += seconds * 1000), old: () => recordOf(engine.store, certificate) };
}

async function refusal(promise: Promise<unknown>): Promise<string[] | undefined> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CmpClientError);
  return (error as CmpClientError).statusInfo?.failInfo;
}

async function recordOf(store: Store, certificate: Uint8Array): Promise<CertificateRecord | undefined> {
  const serial = serialNumberHex(AsnConvert.parse(certificate, Certificate).tbsCertificate.serialNumber);
  return (await store.get<CertificateRecord>(`cert/${serial}`))?.value;
}

describe("the kur claim on the old certificate", () => {
  it("a certConf that rejects the new certificate frees the old one for another kur", async () => {
    const { engine, signer, kur, old } = await setup();
    let held: Uint8Array | undefined;
    await kur({
      fetch: async (url, init) => {
        if (decodeMessage(init.body)?.type !== "certConf") return engine.fetch(url, init);
        held = init.body;
        throw new Error("held back");
      },
    }).catch(() => undefined);
    expect(await refusal(kur())).toEqual(["duplicateCertReq"]);
    // The same certConf, now rejecting the certificate.
    const issued = decodeMessage(engine.exchanges.at(-2)!.answer)!.message.body.kup!.response[0]!.certifiedKeyPair!.certOrEncCert.certificate!;
    const certificate = new Uint8Array(issued);
    const rejection = AsnConvert.parse(
      await certConfBody(certificate, AsnConvert.parse(certificate, Certificate).signatureAlgorithm, 0, { failInfo: "badCertTemplate", reason: "not wanted" }),
      PKIBody,
    );
    const answer = await engine.post(await resign(held!, signer, (m) => void (m.body = rejection)));
    expect(answer?.type).toBe("pkiconf");
    expect(await old()).toMatchObject({ status: "confirmed" });
    expect((await old())?.updateClaim).toBeUndefined();
    await kur();
    expect(await old()).toMatchObject({ status: "revoked", supersededBy: expect.any(String) });
  });

  it("a kur never confirmed holds the claim until the confirmation time ends, then another kur works", async () => {
    const { engine, kur, advance, old } = await setup();
    await kur({ fetch: async (url, init) => (decodeMessage(init.body)?.type === "certConf" ? Promise.reject(new Error("lost")) : engine.fetch(url, init)) }).catch(() => undefined);
    expect(await refusal(kur())).toEqual(["duplicateCertReq"]);
    advance(601);
    expect(await expireStale(engine.context)).toMatchObject({ unconfirmedCertificates: 1 });
    expect((await old())?.updateClaim).toBeUndefined();
    await kur();
  });

  it("a kur waiting for approval keeps the claim; when it expires the old certificate is free again", async () => {
    const { engine, kur, advance, old } = await setup();
    expect((await refusal(kur({ profile: "approval" })))).toBeUndefined(); // the client gave up polling (pollLimitMs 0): a timeout, no status
    expect(await refusal(kur({ profile: "approval" }))).toEqual(["duplicateCertReq"]);
    expect(await refusal(kur())).toEqual(["duplicateCertReq"]);
    advance(601);
    expect(await expireStale(engine.context)).toMatchObject({ expiredRequests: 1 });
    expect((await old())?.updateClaim).toBeUndefined();
    await kur();
  });

  it("an operator's rejection of a waiting kur frees the old certificate at once, before the client polls", async () => {
    const { engine, kur, old } = await setup();
    await kur({ profile: "approval" }).catch(() => undefined);
    expect(await refusal(kur())).toEqual(["duplicateCertReq"]);
    const [pending] = await listPendingRequests(engine.store, "pending");
    await decidePendingRequest(engine.store, pending!.id, "rejected", "no", new Date());
    await kur();
    expect(await old()).toMatchObject({ status: "revoked", supersededBy: expect.any(String) });
  });

  it("a confirmed successor ends it for good: the old certificate cannot be updated twice", async () => {
    const { kur, old } = await setup();
    await kur();
    const replaced = await old();
    expect(replaced).toMatchObject({ status: "revoked", revocationReason: 4, supersededBy: expect.any(String) });
    expect(replaced?.updateClaim).toBeUndefined();
    expect(await refusal(kur())).toEqual(["certRevoked"]);
  });
});

describe("a certificate revoked as superseded by its kur", () => {
  it("still signs the repeat of that kur's certConf (answer lost), and nothing else", async () => {
    const { engine, signer, certificate, kur, old } = await setup();
    await kur();
    expect(await old()).toMatchObject({ status: "revoked", revocationReason: 4 });
    // The repeat: the same certConf with a fresh senderNonce (RFC 9810 §5.1.1).
    const certConf = engine.exchanges.findLast((exchange) => decodeMessage(exchange.request)?.type === "certConf")!.request;
    const repeat = await resign(certConf, signer, (m) => void (m.header.senderNonce = crypto.getRandomValues(new Uint8Array(16)).buffer));
    expect((await engine.post(repeat))?.type).toBe("pkiconf");
    // Anything else it signs is refused: it is revoked.
    const cr = engine.signatureClient(signer, certificate, { pollLimitMs: 0 }).cr({ subject: "CN=claimed", key: { signer: await newTestSigner() } });
    expect(await refusal(cr)).toEqual(["certRevoked"]);
  });
});
