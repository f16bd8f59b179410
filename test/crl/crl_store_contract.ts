import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import { certificateKey, revokeCertificate } from "../../src/ca/certificate_record.js";
import { loadConfig } from "../../src/config/load.js";
import { currentCrl, type CrlContext } from "../../src/crl/crl_publisher.js";
import { deleteCrlChunks, readCrlChunks, writeCrlChunks } from "../../src/crl/crl_storage.js";
import type { Store } from "../../src/store/store.js";
import { numberedCertificateRecord } from "../ca/numbered_certificate_record.js";
import { makeTestCa, type TestCa } from "../support/test_ca.js";

/**
 * The CRL on a real backend (DynamoDB through dynalite, a Durable Object in
 * workerd): concurrent revocations through the backend's compare-and-set
 * all reach the CRL, and a CRL larger than one value may be is stored in
 * chunks each backend accepts (DynamoDB: 400 KB an item) and reads back.
 * No `node:` import: it runs inside workerd too.
 */
export function crlStoreContract(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`the CRL on ${name}`, () => {
    let testCa: TestCa;
    beforeAll(async () => {
      testCa = await makeTestCa();
    });

    const contextOf = (store: Store): CrlContext => ({
      ca: testCa.ca,
      store,
      config: loadConfig({}),
      now: () => new Date(),
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    });

    it("lists every one of twenty concurrent revocations", async () => {
      const store = await makeStore();
      const context = contextOf(store);
      const before = (await currentCrl(context))!;
      const serials = Array.from({ length: 20 }, (_, n) => (0x2000 + n).toString(16));
      await Promise.all(serials.map((serial, n) => store.put(certificateKey(serial), numberedCertificateRecord(n, { serial }))));
      await Promise.all(serials.map((serial) => revokeCertificate(store, serial, 1, new Date())));
      const crl = (await currentCrl(context))!;
      expect(crl.number).toBe(before.number + 1n);
      const listed = AsnConvert.parse(crl.der, CertificateList).tbsCertList.revokedCertificates ?? [];
      const hex = listed.map((entry) => Array.from(new Uint8Array(entry.userCertificate), (b) => b.toString(16).padStart(2, "0")).join(""));
      expect(hex).toEqual(expect.arrayContaining(serials));
      expect(crl.entries).toBe(before.entries + serials.length);
    });

    it("stores a CRL larger than one value may be (600 KB) in chunks the backend accepts, and reads it back byte for byte", async () => {
      const store = await makeStore();
      const der = new Uint8Array(600 * 1024);
      for (let offset = 0; offset < der.length; offset += 65_536) crypto.getRandomValues(der.subarray(offset, offset + 65_536));
      const generation = crypto.randomUUID();
      const chunks = await writeCrlChunks(store, "ca", generation, der);
      expect(chunks).toBeGreaterThan(2);
      expect(await readCrlChunks(store, "ca", { generation, chunks, bytes: der.length })).toEqual(der);
      await deleteCrlChunks(store, "ca", generation, chunks);
      expect(await readCrlChunks(store, "ca", { generation, chunks, bytes: der.length })).toBeUndefined();
    });
  });
}
