import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import { encodePem } from "../src/asn1/pem.js";
import { certificateKey, revokeCertificate, type CertificateRecord } from "../src/ca/certificate_record.js";
import { loadConfig } from "../src/config/load.js";
import { caIdOf, currentCrl, type CrlContext } from "../src/crl/crl_publisher.js";
import { createPublicationApp } from "../src/http/publication.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { MemoryStore } from "../src/store/memory.js";
import { ROOT } from "./targets.js";

/**
 * Publishing revocation status, measured in-process (no HTTP sockets):
 *  - revoking one certificate (record, index entry, revision bump);
 *  - building the CRL at `revoked` entries (list the index, encode, sign,
 *    store in chunks), against `openssl ca -gencrl` building a CRL of as
 *    many entries from its own index in the same run (the reference);
 *  - one CRL fetch through the Hono route when the CRL is current (a state
 *    read, the isolate's cached DER), against the same route answering the
 *    same bytes from memory with nothing to look up (the floor).
 * CPU is process.cpuUsage (user + system, all threads).
 */
export interface RevocationStatusResult {
  revoked: number;
  crlBytes: number;
  revokeMicroseconds: number;
  regenerate: { wallMs: number; cpuMs: number };
  opensslGencrl?: { wallMs: number };
  fetchMicroseconds: number;
  staticFetchMicroseconds: number;
}

export async function revocationStatusInOwnProcess(revoked: number): Promise<RevocationStatusResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "bench/revocation_status_main.ts"), String(revoked)], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  return JSON.parse(stdout) as RevocationStatusResult;
}

export async function revocationStatusBenchmark(revoked: number): Promise<RevocationStatusResult> {
  const key = await generateLocalKey("P-256");
  const signer = await LocalSigner.fromPkcs8(key.pkcs8);
  const certificate = await createSelfSignedCa({ signer, subject: "CN=Jellyfish Bench CA", validitySeconds: 86_400 * 30, now: new Date() });
  const store = new MemoryStore();
  const context: CrlContext = {
    ca: { signer, certificate, chain: [certificate] },
    store,
    config: loadConfig({}),
    now: () => new Date(),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
  };

  // The index, as `revoked` revocations through revokeCertificate would leave it; the first 2 000 really go through it, timed.
  const notAfter = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const serialOf = (n: number) => (0x40000000 + n).toString(16);
  const timed = Math.min(2_000, revoked);
  for (let n = 0; n < timed; n++) await store.put(certificateKey(serialOf(n)), record(serialOf(n), notAfter));
  const revokeStart = process.cpuUsage();
  for (let n = 0; n < timed; n++) await revokeCertificate(store, serialOf(n), 1, new Date());
  const revokeUsage = process.cpuUsage(revokeStart);
  const revokedAt = new Date().toISOString();
  for (let n = timed; n < revoked; n++) await store.put(`crl/revoked/${serialOf(n)}`, { serial: serialOf(n), revokedAt, reason: 1, notAfter });

  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const crl = (await currentCrl(context, { force: true }))!;
  const regenerate = { wallMs: performance.now() - wallBefore, cpuMs: cpuMs(process.cpuUsage(cpuBefore)) };

  const caId = await caIdOf(context.ca);
  const app = new Hono().route("/", createPublicationApp({ context: () => context, log: () => undefined }));
  const floor = new Hono().get("/crl/:file", () => new Response(crl.der as Uint8Array<ArrayBuffer>, { headers: { "content-type": "application/pkix-crl" } }));
  const url = `http://bench/crl/${caId}.crl`;
  const fetchMicroseconds = await perRequest(app, url, 200);
  const staticFetchMicroseconds = await perRequest(floor, url, 200);

  return {
    revoked,
    crlBytes: crl.der.length,
    revokeMicroseconds: (cpuMs(revokeUsage) * 1000) / timed,
    regenerate,
    opensslGencrl: await opensslGencrl(revoked).catch(() => undefined),
    fetchMicroseconds,
    staticFetchMicroseconds,
  };
}

async function perRequest(app: Hono, url: string, count: number): Promise<number> {
  for (let i = 0; i < 20; i++) await (await app.fetch(new Request(url))).arrayBuffer();
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await (await app.fetch(new Request(url))).arrayBuffer();
  return (cpuMs(process.cpuUsage(before)) * 1000) / count;
}

/** `openssl ca -gencrl` from an index of as many revoked entries, P-256 CA: the same job done by OpenSSL. */
async function opensslGencrl(revoked: number): Promise<{ wallMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), "jellyfish-gencrl-"));
  try {
    const key = await generateLocalKey("P-256");
    const signer = await LocalSigner.fromPkcs8(key.pkcs8);
    const certificate = await createSelfSignedCa({ signer, subject: "CN=OpenSSL Bench CA", validitySeconds: 86_400 * 30, now: new Date() });
    await writeFile(join(dir, "ca.key"), encodePem("PRIVATE KEY", key.pkcs8));
    await writeFile(join(dir, "ca.pem"), encodePem("CERTIFICATE", certificate));
    const lines: string[] = [];
    for (let n = 0; n < revoked; n++) lines.push(`R\t351231235959Z\t261201000000Z,keyCompromise\t${(0x40000000 + n).toString(16).toUpperCase()}\tunknown\t/CN=device${n}`);
    await writeFile(join(dir, "index.txt"), `${lines.join("\n")}\n`);
    await writeFile(join(dir, "crlnumber"), "01\n");
    await writeFile(
      join(dir, "ca.cnf"),
      ["[ca]", "default_ca = CA_default", "[CA_default]", `database = ${join(dir, "index.txt")}`, `crlnumber = ${join(dir, "crlnumber")}`, "default_md = sha256", "default_crl_days = 1", ""].join("\n"),
    );
    const started = performance.now();
    await promisify(execFile)("openssl", ["ca", "-gencrl", "-config", join(dir, "ca.cnf"), "-keyfile", join(dir, "ca.key"), "-cert", join(dir, "ca.pem"), "-out", join(dir, "crl.pem")], {
      timeout: 300_000,
    });
    return { wallMs: performance.now() - started };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function record(serial: string, notAfter: string): CertificateRecord {
  const now = new Date().toISOString();
  return {
    serial, subject: `CN=${serial}`, issuer: "CN=Jellyfish Bench CA", notBefore: now, notAfter, status: "confirmed", profile: "default",
    der: "MAA=", requester: "bench", transactionID: serial, issuedAt: now,
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}
