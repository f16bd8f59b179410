import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList, CRLReason, id_ce_cRLReasons } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { certificateKey, releaseHold, revokeCertificate } from "../../src/ca/certificate_record.js";
import { loadConfig } from "../../src/config/load.js";
import { currentCrl, crlState, type CrlContext } from "../../src/crl/crl_publisher.js";
import { readCrlChunks } from "../../src/crl/crl_storage.js";
import { MemoryStore } from "../../src/store/memory.js";
import { numberedCertificateRecord } from "../ca/numbered_certificate_record.js";
import { makeTestCa, type TestCa } from "../support/test_ca.js";

// The CA's CRL as the store keeps it (RFC 5280 §5): built from the revocation
// index, renewed when a revocation happened or nextUpdate comes near, its
// number only growing, and every one of concurrent revocations on it.

let testCa: TestCa;
beforeAll(async () => {
  testCa = await makeTestCa();
});

function setup(publication: object = {}) {
  let clock = Date.parse("2026-12-04T12:00:00Z");
  const store = new MemoryStore(() => clock);
  const context: CrlContext = {
    ca: testCa.ca,
    store,
    config: loadConfig({ JELLYFISH_CONFIG: JSON.stringify({ publication }) }),
    now: () => new Date(clock),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
  };
  return {
    store,
    context,
    advance: (seconds: number) => (clock += seconds * 1000),
    now: () => new Date(clock),
    /** A confirmed certificate's record; its serial has no leading zero octet, as serialNumberHex gives it. */
    async issue(n: number, fields = {}) {
      const serial = (0x1000 + n).toString(16);
      await store.put(certificateKey(serial), numberedCertificateRecord(n, { serial, ...fields }));
      return serial;
    },
  };
}

function listed(der: Uint8Array): Map<string, number | undefined> {
  const crl = AsnConvert.parse(der, CertificateList);
  const entries = new Map<string, number | undefined>();
  for (const entry of crl.tbsCertList.revokedCertificates ?? []) {
    const serial = Buffer.from(entry.userCertificate).toString("hex").replace(/^(00)+(?=.)/, "");
    const reason = entry.crlEntryExtensions?.find((extension) => extension.extnID === id_ce_cRLReasons);
    entries.set(serial, reason ? AsnConvert.parse(reason.extnValue, CRLReason).reason : undefined);
  }
  return entries;
}

describe("currentCrl", () => {
  it("builds the first CRL (number 1, empty) once, then serves it until something changes", async () => {
    const { context } = setup();
    const first = await currentCrl(context);
    expect(first!.number).toBe(1n);
    expect(first!.entries).toBe(0);
    expect(listed(first!.der).size).toBe(0);
    const again = await currentCrl(context);
    expect(again!.number).toBe(1n);
    expect(again!.der).toEqual(first!.der);
  });

  it("lists in the first CRL the certificates revoked before the index existed (one scan, then never again)", async () => {
    const { context, store, issue } = setup();
    // A record revoked by an earlier version: no index entry, no revision.
    const serial = await issue(20, { status: "revoked", revokedAt: "2026-11-01T00:00:00.000Z", revocationReason: 4 });
    const unrevoked = await issue(21);
    expect(listed((await currentCrl(context))!.der)).toEqual(new Map([[serial, 4]]));
    expect(await store.get(`crl/revoked/${unrevoked}`)).toBeUndefined();
  });

  it("lists a revocation in the next CRL, with its reason, and a new number", async () => {
    const { context, store, issue, now } = setup();
    await currentCrl(context);
    const serial = await issue(1);
    await revokeCertificate(store, serial, 1, now());
    const crl = (await currentCrl(context))!;
    expect(crl.number).toBe(2n);
    expect(listed(crl.der)).toEqual(new Map([[serial, 1]]));
  });

  it("lists a hold as certificateHold, and drops it once the hold is lifted", async () => {
    const { context, store, issue, now } = setup();
    const serial = await issue(2);
    await revokeCertificate(store, serial, 6, now());
    expect(listed((await currentCrl(context))!.der)).toEqual(new Map([[serial, 6]]));
    expect((await releaseHold(store, serial)).outcome).toBe("released");
    const after = (await currentCrl(context))!;
    expect(listed(after.der).size).toBe(0);
    expect(after.number).toBe(2n);
  });

  it("keeps a hold's date when the hold is made final, and the new reason", async () => {
    const { context, store, issue, now, advance } = setup();
    const serial = await issue(3);
    const held = await revokeCertificate(store, serial, 6, now());
    advance(3600);
    const final = await revokeCertificate(store, serial, 1, now());
    expect(final.outcome).toBe("revoked");
    if (final.outcome !== "revoked" || held.outcome !== "revoked") throw new Error("unreachable");
    expect(final.record.revokedAt).toBe(held.record.revokedAt);
    expect(listed((await currentCrl(context))!.der)).toEqual(new Map([[serial, 1]]));
    expect((await releaseHold(store, serial)).outcome).toBe("notHeld");
  });

  it("carries every one of fifty concurrent revocations", async () => {
    const { context, store, issue, now } = setup();
    await currentCrl(context);
    const serials = await Promise.all(Array.from({ length: 50 }, (_, n) => issue(100 + n)));
    await Promise.all(serials.map((serial) => revokeCertificate(store, serial, 4, now())));
    expect([...listed((await currentCrl(context))!.der).keys()].sort()).toEqual([...serials].sort());
  });

  it("gives concurrent readers one new CRL, not one each", async () => {
    const { context, store, issue, now } = setup();
    await currentCrl(context);
    await revokeCertificate(store, await issue(7), 0, now());
    const crls = await Promise.all(Array.from({ length: 8 }, () => currentCrl(context)));
    const numbers = new Set(crls.map((crl) => crl!.number));
    expect([...numbers].every((number) => number === 1n || number === 2n)).toBe(true);
    expect((await currentCrl(context))!.number).toBe(2n);
  });

  it("renews the CRL once less than refreshSeconds remain before nextUpdate", async () => {
    const { context, advance } = setup({ crl: { validitySeconds: 3600, refreshSeconds: 600 } });
    const first = (await currentCrl(context))!;
    expect(first.nextUpdate.getTime() - first.thisUpdate.getTime()).toBe(3_600_000);
    advance(2999);
    expect((await currentCrl(context))!.number).toBe(1n);
    advance(2);
    const renewed = (await currentCrl(context))!;
    expect(renewed.number).toBe(2n);
    expect(renewed.thisUpdate.getTime()).toBeGreaterThan(first.thisUpdate.getTime());
  });

  it("builds a new number on force, as the operator's regenerate does", async () => {
    const { context } = setup();
    await currentCrl(context);
    expect((await currentCrl(context, { force: true }))!.number).toBe(2n);
    expect((await crlState(context)).state!.number).toBe("2");
  });

  it("drops an entry once a CRL issued after its certificate expired has carried it (RFC 5280 §3.3)", async () => {
    const { context, store, issue, now, advance } = setup({ crl: { validitySeconds: 3600, refreshSeconds: 600 } });
    const serial = await issue(9, { notAfter: new Date(now().getTime() + 1000 * 1000).toISOString() });
    await revokeCertificate(store, serial, 0, now());
    expect(listed((await currentCrl(context))!.der).has(serial)).toBe(true);
    advance(2000); // expired, but within one CRL period: still listed
    expect(listed((await currentCrl(context, { force: true }))!.der).has(serial)).toBe(true);
    advance(3600);
    expect(listed((await currentCrl(context, { force: true }))!.der).has(serial)).toBe(false);
  });

  it("stores a large CRL in chunks that read back byte for byte", async () => {
    const { context, store, now } = setup();
    const revokedAt = now().toISOString();
    for (let n = 0; n < 12_000; n++) {
      const serial = (0x100000 + n).toString(16);
      await store.put(`crl/revoked/${serial}`, { serial, revokedAt, reason: 1, notAfter: "2030-01-01T00:00:00.000Z" });
    }
    await store.put("crl/revision", { revision: 1 });
    const crl = (await currentCrl(context))!;
    expect(crl.entries).toBe(12_000);
    const { caId, state } = await crlState(context);
    expect(state!.chunks).toBeGreaterThan(1);
    expect(await readCrlChunks(store, caId, state!)).toEqual(crl.der);
  });
});
