import { readFileSync } from "node:fs";
import { join } from "node:path";
import { webcrypto } from "node:crypto";
import { decodeCertificatesPem } from "../src/asn1/pem.js";
import { handleCmp, UNEXPECTED_ERROR } from "../src/cmp/engine.js";
import type { CmpAnswer, EngineContext } from "../src/cmp/engine_types.js";
import { loadConfig } from "../src/config/load.js";
import type { JellyfishConfig, Profile } from "../src/config/profile.js";
import { LocalSigner } from "../src/kms/local.js";
import { certificateKey, type CertificateRecord } from "../src/ca/certificate_record.js";
import { serialNumberHex } from "../src/ca/serial_number.js";
import { parseCertificate } from "../src/crypto/parsed_certificate.js";
import { toBase64 } from "../src/asn1/bytes.js";
import { MemoryStore } from "../src/store/memory.js";
import { JournalStore } from "./journal_store.js";

/** The fixture material the seeds were made with (test/fixtures/openssl/README.md). */
export const MATERIAL = join(import.meta.dirname, "../test/fixtures/openssl/material");
export const SECRET = "fixture-secret";
export const REFERENCE = "fixture-ref";

export function material(name: string): string {
  return readFileSync(join(MATERIAL, name), "utf8");
}

/**
 * The engine as the seeds expect it: its CA is the fixtures' CA, so the
 * client's certificate (device0) is one it issued and may sign cr, kur and
 * rr; the seeds' MAC reference and secret are known; one profile holds every
 * request for approval, so pollReq has something to poll.
 */
export interface Target {
  config: JellyfishConfig;
  store: JournalStore;
  /** What the engine warned about while handling the last message. */
  warnings: Array<{ message: string; fields?: Record<string, unknown> }>;
  /** The time the engine sees; the fuzzer sets it to the seed's messageTime. */
  clock: { now: Date };
  handle(message: Uint8Array, profile?: string): Promise<CmpAnswer>;
  /** What the engine is given; tests replace parts of it to inject faults. */
  context: EngineContext;
  /** A fresh, empty store (the state would otherwise grow with every issued certificate). */
  reset(): void;
}

/** Warnings that mean an exception escaped the checks: each one is a finding. */
export const BUG_WARNINGS = new Set([UNEXPECTED_ERROR, "could not answer a CMP message, not even with an error", "could not answer with the request's header fields"]);

/** `profiles` replaces the profiles above (the conformance tests bring their own). */
export async function makeTarget(limits: Record<string, number> = {}, profiles?: Record<string, unknown>): Promise<Target> {
  const config = loadConfig({
    CMP_SECRETS: JSON.stringify({ [REFERENCE]: SECRET }),
    JELLYFISH_CONFIG: JSON.stringify({
      limits,
      profiles: profiles ?? {
        // The kur seed certifies the client's key again (openssl cmp -newkey with the same key).
        default: { bodyTypes: ["ir", "cr", "kur", "p10cr", "rr", "certConf", "pollReq", "genm", "error"], keyUpdate: { allowKeyReuse: true } },
        approval: { approval: { hold: "all", revocations: "all", generalMessages: "all", checkAfterSeconds: 1 } },
      },
    }),
  });
  const signer = await LocalSigner.fromPkcs8(material("ca.key.pem"));
  const [certificate] = decodeCertificatesPem(material("ca.pem"));
  const [clientDer] = decodeCertificatesPem(material("client.pem"));
  const parsed = parseCertificate(clientDer!).certificate.tbsCertificate;
  const client: CertificateRecord = {
    serial: serialNumberHex(parsed.serialNumber), subject: "CN=device0", issuer: "CN=Jellyfish Test CA",
    notBefore: parsed.validity.notBefore.getTime().toISOString(), notAfter: parsed.validity.notAfter.getTime().toISOString(),
    status: "confirmed", profile: "default", der: toBase64(clientDer!), requester: "fixture", transactionID: "00", issuedAt: parsed.validity.notBefore.getTime().toISOString(),
  };
  const warnings: Target["warnings"] = [];
  const clock = { now: new Date() };
  const context: EngineContext = {
    config,
    ca: { signer, certificate: certificate!, chain: [certificate!] },
    store: new MemoryStore(),
    now: () => clock.now,
    randomBytes: (length) => webcrypto.getRandomValues(new Uint8Array(length)),
    warn: (message, fields) => warnings.push({ message, fields }),
  };
  const target: Target = {
    config,
    store: new JournalStore(context.store),
    warnings,
    clock,
    context,
    handle: (message, profileName = "default") => handleCmp(message, config.profiles.get(profileName) as Profile, context),
    reset() {
      target.store = new JournalStore(new MemoryStore(() => clock.now.getTime()));
      context.store = target.store;
      // The client's certificate as this CA's record, so that kur and rr of it reach their work.
      void target.store.put(certificateKey(client.serial), client);
    },
  };
  target.reset();
  return target;
}
