import { describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import { CmpClientError } from "../../src/client/index.js";
import type { Store } from "../../src/store/store.js";
import { inProcessEngine, type InProcessEngine } from "../support/engine_fetch.js";
import { makeTestCa, newTestSigner } from "../support/test_ca.js";

/**
 * Exactly-once key update (issue 12): twenty kur of one certificate at
 * once, each in its own transaction and with its own new key, yield exactly
 * one successor: one kup with a certificate, one record that supersedes the
 * old certificate, and nineteen refusals (duplicateCertReq, or certRevoked
 * for those that arrive after the winner retired the old certificate). One suite,
 * run on every atomic store backend (memory and DynamoDB on dynalite in
 * kur_race.test.ts, Durable Objects in kur_race.worker.test.ts). The same
 * with twenty copies of one kur message: one transactionID, so the claim
 * must tell the requests apart, not just the transactions.
 */
export function kurRaceSuite(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`20 concurrent kur of one certificate (${name})`, () => {
    for (const implicitConfirm of [false, true]) {
      it(`give exactly one successor${implicitConfirm ? " (implicitConfirm)" : " (certConf)"}`, async () => {
        const engine = inProcessEngine({
          ca: await makeTestCa(),
          store: await makeStore(),
          config: {
            CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
            JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: { keyUpdate: { revokeOldCertificate: true } } } }),
          },
        });
        const { old, oldSerial } = await enroll(engine);
        const keys = await Promise.all(Array.from({ length: 20 }, () => newTestSigner()));

        const results = await Promise.allSettled(
          keys.map((key) => engine.signatureClient(old.signer, old.certificate, { implicitConfirm }).kur({ key: { signer: key } })),
        );

        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const error of lost) {
          expect(error).toBeInstanceOf(CmpClientError);
          // duplicateCertReq while the winner holds the claim; certRevoked for a kur authenticated after the winner retired the old certificate.
          expect([["duplicateCertReq"], ["certRevoked"]]).toContainEqual((error as CmpClientError).statusInfo?.failInfo);
        }
        // One kup with the certificate; the losers get a kup rejection (duplicateCertReq: the request's own failure) or an error (certRevoked protection).
        expect(engine.logs.filter((log) => log.bodyType === "kur" && log.outcome.startsWith("issued"))).toHaveLength(1);

        const successors = (await certificates(engine.store)).filter((record) => record.supersedes === oldSerial);
        expect(successors).toHaveLength(1);
        expect(successors[0]).toMatchObject({ status: "confirmed" });
        expect(successors[0]!.serial).toBe(serialOf(won[0]!.value.certificate));
        const oldRecord = (await engine.store.get<CertificateRecord>(`cert/${oldSerial}`))?.value;
        expect(oldRecord).toMatchObject({ status: "revoked", revocationReason: 4, supersededBy: successors[0]!.serial });
        expect(oldRecord?.updateClaim).toBeUndefined();
      });
    }

    it("20 concurrent copies of one kur message (a replay) give exactly one successor", async () => {
      const engine = inProcessEngine({ ca: await makeTestCa(), store: await makeStore() });
      const { old, oldSerial } = await enroll(engine);
      let kur: Uint8Array | undefined;
      const holding: typeof engine.fetch = async (url, init) => {
        kur = init.body;
        throw new Error("held back: the test sends it");
      };
      await engine.signatureClient(old.signer, old.certificate, { fetch: holding }).kur({ key: { signer: await newTestSigner() } }).catch(() => undefined);

      const answers = await Promise.all(Array.from({ length: 20 }, () => engine.post(kur!)));
      const withCertificate = answers.filter((answer) => answer?.message.body.kup?.response[0]?.certifiedKeyPair);
      expect(withCertificate).toHaveLength(1);
      // A reused transactionID fails the message (error); a second successor fails the request (kup rejection, RFC 9483 §4.1.1).
      const refusals = answers.map((a) => (a?.type === "error" ? a.message.body.error!.pKIStatusInfo : a?.message.body.kup?.response[0]?.status));
      const failInfos = refusals.filter((status) => status?.failInfo).map((status) => status!.failInfo!.toNames());
      expect(failInfos).toHaveLength(19);
      for (const failInfo of failInfos) expect([["transactionIdInUse"], ["duplicateCertReq"]]).toContainEqual(failInfo);
      expect((await certificates(engine.store)).filter((record) => record.supersedes === oldSerial)).toHaveLength(1);
      // The winner awaits its certConf: the copies that lost did not release its claim.
      expect((await engine.store.get<CertificateRecord>(`cert/${oldSerial}`))?.value.updateClaim).toBeDefined();
      await expect(engine.signatureClient(old.signer, old.certificate).kur({ key: { signer: await newTestSigner() } })).rejects.toThrow(/duplicateCertReq/);
    });
  });
}

/** A MAC-enrolled certificate: the one the kur update. */
async function enroll(engine: InProcessEngine) {
  const signer = await newTestSigner();
  const result = await engine.macClient().ir({ subject: `CN=race-${crypto.randomUUID()}`, key: { signer } });
  return { old: { signer, certificate: result.certificate }, oldSerial: serialOf(result.certificate) };
}

function serialOf(certificate: Uint8Array): string {
  return serialNumberHex(AsnConvert.parse(certificate, Certificate).tbsCertificate.serialNumber);
}

async function certificates(store: Store): Promise<CertificateRecord[]> {
  const records: CertificateRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list<CertificateRecord>("cert/", { cursor, limit: 500 });
    records.push(...page.items.map((item) => item.value));
    cursor = page.cursor;
  } while (cursor);
  return records;
}
