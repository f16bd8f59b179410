import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { fromBase64, toBase64 } from "../../src/asn1/bytes.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import type { EndEntity } from "../../src/ca/end_entity.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import type { PendingRequest } from "../../src/cmp/pending_request.js";
import type { TransactionRecord } from "../../src/cmp/transaction.js";
import type { Store } from "../../src/store/store.js";

/**
 * What must hold of the stored state after any fault (issue 12, item 4):
 * every certificate record holds its certificate, and nothing (transaction,
 * registration, kur claim, successor, pending request) names a certificate
 * or a request the store does not hold. Returns the violations, empty when
 * all hold; `sent` are certificates a client received, each of which must
 * be recorded.
 */
export async function storeViolations(store: Store, sent: readonly Uint8Array[] = []): Promise<string[]> {
  const violations: string[] = [];
  const records = new Map<string, CertificateRecord>();
  for (const { key, value } of await everything<CertificateRecord>(store, "cert/")) {
    records.set(value.serial, value);
    if (key !== `cert/${value.serial}`) violations.push(`${key} holds the record of serial ${value.serial}`);
    try {
      const serial = serialNumberHex(AsnConvert.parse(fromBase64(value.der), Certificate).tbsCertificate.serialNumber);
      if (serial !== value.serial) violations.push(`${key}: its DER is the certificate of serial ${serial}`);
    } catch {
      violations.push(`${key}: no certificate DER`);
    }
  }
  const named = (serial: string | undefined, by: string) => {
    if (serial && !records.has(serial)) violations.push(`${by} names certificate ${serial}, which has no record`);
  };
  for (const record of records.values()) {
    named(record.supersedes, `cert/${record.serial} (supersedes)`);
    named(record.supersededBy, `cert/${record.serial} (supersededBy)`);
  }
  const transactions = new Map<string, TransactionRecord>();
  for (const { key, value } of await everything<TransactionRecord>(store, "txn/")) {
    transactions.set(key, value);
    if (!value.serial) continue;
    named(value.serial, key);
    const record = records.get(value.serial);
    if (record && value.certificate && record.der !== value.certificate) violations.push(`${key}: its certificate is not the recorded one`);
  }
  for (const { key, value } of await everything<EndEntity>(store, "entity/")) {
    for (const serial of value.certificates) named(serial, key);
  }
  const pendings = new Map<string, PendingRequest>();
  for (const { value } of await everything<PendingRequest>(store, "pending/")) pendings.set(value.id, value);
  for (const [key, transaction] of transactions) {
    if (transaction.state === "pending" && (!transaction.pendingId || !pendings.has(transaction.pendingId))) {
      violations.push(`${key} waits for request ${transaction.pendingId}, which is not stored`);
    }
  }
  for (const certificate of sent) {
    const serial = serialNumberHex(AsnConvert.parse(certificate, Certificate).tbsCertificate.serialNumber);
    const record = records.get(serial);
    if (!record) violations.push(`certificate ${serial} was sent but is not recorded`);
    else if (record.der !== toBase64(certificate)) violations.push(`certificate ${serial} was sent with other DER than recorded`);
  }
  return violations;
}

async function everything<T>(store: Store, prefix: string): Promise<Array<{ key: string; value: T }>> {
  const items: Array<{ key: string; value: T }> = [];
  let cursor: string | undefined;
  do {
    const page = await store.list<T>(prefix, { cursor, limit: 500 });
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items;
}
