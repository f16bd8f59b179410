import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import { expireStale } from "../../src/cmp/expiry.js";
import { SignerError, type Signer } from "../../src/kms/signer.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeTestCa, startEngineServer, type EngineServer, type TestCa } from "../support/engine_server.js";
import { makeKey, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../support/openssl.js";

// Delayed delivery with the real openssl cmp: the client gets `waiting`,
// polls on its own (pollReq/pollRep), and gets its certificate or the reason
// it does not.

let dir: TempDir;
let ca: TestCa;
const servers: EngineServer[] = [];

beforeAll(async () => {
  dir = await makeTempDir();
  ca = await makeTestCa();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
afterAll(() => dir.remove());

const CONFIG = {
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: {
      approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
      domains: { approval: { hold: "outsideDnsNames", dnsNames: ["*.devices.example"], checkAfterSeconds: 1 } },
      flaky: { signerRetry: { maxAttempts: 3, checkAfterSeconds: 1 } },
      unconfirmed: { implicitConfirm: false, confirmation: { waitSeconds: 600, revokeUnconfirmed: true } },
    },
  }),
};

async function start(options: { ca?: TestCa; store?: MemoryStore; now?: () => Date; config?: typeof CONFIG } = {}): Promise<EngineServer> {
  const server = await startEngineServer({ ca: options.ca ?? ca, config: options.config ?? CONFIG, store: options.store, now: options.now, quiet: true });
  servers.push(server);
  return server;
}

async function ir(server: EngineServer | string, profile: string, name: string, extra: string[] = []) {
  const key = await makeKey(dir.file(`${name}.key`));
  const url = typeof server === "string" ? server : server.url;
  return opensslCmp([
    "-cmd", "ir", "-server", `${url}/p/${profile}`, "-ref", "dev", "-secret", "pass:s3cret", "-newkey", key,
    "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`), "-total_timeout", "60", ...extra,
  ]);
}

async function pendingOf(server: EngineServer) {
  return listPendingRequests(server.store, "all");
}

/** A signer that fails transiently `failures` times, then works. */
function flakySigner(inner: Signer, failures: number): Signer & { calls: number } {
  const signer = {
    algorithm: inner.algorithm,
    publicKey: inner.publicKey,
    calls: 0,
    async sign(data: Uint8Array) {
      signer.calls++;
      if (signer.calls <= failures) throw new SignerError("throttled (test)", true);
      return inner.sign(data);
    },
  };
  return signer;
}

function withSigner(signer: Signer): TestCa {
  const authority: CertificateAuthority = { ...ca.ca, signer };
  return { ...ca, ca: authority };
}

describe("manual approval", () => {
  it("holds the ir; the client polls; an approval while it polls delivers the certificate, which it confirms", async () => {
    const server = await start();
    const client = ir(server, "approval", "approved-device");
    await expect.poll(() => pendingOf(server), { timeout: 10_000 }).toHaveLength(1);
    const [pending] = await pendingOf(server);
    expect(pending).toMatchObject({ status: "pending", reason: "approval", subjectText: "CN=approved-device" });
    // Let it poll at least once before deciding.
    await expect.poll(() => server.logs.filter((l) => l.bodyType === "pollReq").length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await decidePendingRequest(server.store, pending!.id, "approved", "looks fine", new Date())).toMatchObject({ status: "approved" });

    const result = await client;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await mustOpenssl(["verify", "-CAfile", await writeCa(), dir.file("approved-device.pem")]);
    expect(server.logs.map((l) => [l.bodyType, l.responseType])).toEqual(
      expect.arrayContaining([["ir", "ip"], ["pollReq", "pollRep"], ["pollReq", "ip"], ["certConf", "pkiconf"]]),
    );
    const [record] = (await server.store.list<CertificateRecord>("cert/")).items.map((i) => i.value);
    expect(record).toMatchObject({ status: "confirmed", subject: "CN=approved-device" });
    expect((await pendingOf(server))[0]).toMatchObject({ status: "issued" });
  });

  it("a rejection reaches the polling client with its reason, and nothing is issued", async () => {
    const server = await start();
    const client = ir(server, "approval", "rejected-device");
    await expect.poll(() => pendingOf(server), { timeout: 10_000 }).toHaveLength(1);
    const [pending] = await pendingOf(server);
    await decidePendingRequest(server.store, pending!.id, "rejected", "unknown device serial", new Date());
    const result = await client;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("unknown device serial");
    expect((await server.store.list("cert/")).items).toEqual([]);
  });

  it("holds only requests with a SubjectAltName outside the allowed domains", async () => {
    const server = await start();
    const inside = await ir(server, "domains", "inside", ["-sans", "a.devices.example"]);
    expect(inside.code, inside.stdout).toBe(0);
    expect(await pendingOf(server)).toEqual([]);
    const outside = ir(server, "domains", "outside", ["-sans", "a.elsewhere.example"]);
    await expect.poll(() => pendingOf(server), { timeout: 10_000 }).toHaveLength(1);
    expect((await pendingOf(server))[0]!.holdReason).toContain("DNS:a.elsewhere.example");
    await decidePendingRequest(server.store, (await pendingOf(server))[0]!.id, "approved", undefined, new Date());
    expect((await outside).code).toBe(0);
  });
});

describe("signer trouble becomes waiting", () => {
  it("a signer that fails the first two attempts: the client polls and gets its certificate", async () => {
    const signer = flakySigner(ca.ca.signer, 2);
    const server = await start({ ca: withSigner(signer) });
    const result = await ir(server, "flaky", "patient-device");
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(signer.calls).toBe(3);
    expect(server.logs.filter((l) => l.bodyType === "pollReq").map((l) => l.responseType)).toEqual(["pollRep", "ip"]);
  });

  it("a signer that keeps failing: systemUnavail after the bound, and nothing is recorded", async () => {
    const signer = flakySigner(ca.ca.signer, 1_000);
    const server = await start({ ca: withSigner(signer) });
    const result = await ir(server, "flaky", "unlucky-device");
    expect(result.code).not.toBe(0);
    expect(signer.calls).toBe(3);
    expect(server.logs.at(-1)).toMatchObject({ bodyType: "pollReq", failInfo: ["systemUnavail"] });
    expect((await server.store.list("cert/")).items).toEqual([]);
  });

  it("a permanent signer error fails at once", async () => {
    const broken: Signer = { ...ca.ca.signer, algorithm: ca.ca.signer.algorithm, publicKey: ca.ca.signer.publicKey, sign: async () => { throw new SignerError("key disabled (test)", false); } };
    const server = await start({ ca: withSigner(broken) });
    const result = await ir(server, "flaky", "doomed-device");
    expect(result.code).not.toBe(0);
    expect(server.logs.map((l) => l.bodyType)).toEqual(["ir"]);
    expect(server.logs[0]).toMatchObject({ failInfo: ["systemFailure"] });
  });
});

describe("two instances sharing one store", () => {
  it("the ir is answered by one, the polls and the certConf by the other", async () => {
    const store = new MemoryStore();
    const first = await start({ store });
    const second = await start({ store });
    // A router that sends the first request to one instance and every later one to the other.
    let seen = 0;
    const router = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = seen++ === 0 ? first : second;
      const answer = await target.post(new Uint8Array(Buffer.concat(chunks)), new URL(req.url!, "http://x").pathname);
      res.writeHead(answer.status, { "content-type": "application/pkixcmp", "content-length": answer.body.length }).end(answer.body);
    });
    await new Promise<void>((done) => router.listen(0, "127.0.0.1", done));
    try {
      const url = `http://127.0.0.1:${(router.address() as AddressInfo).port}/.well-known/cmp`;
      const client = ir(url, "approval", "roaming-device");
      await expect.poll(() => listPendingRequests(store, "pending"), { timeout: 10_000 }).toHaveLength(1);
      await decidePendingRequest(store, (await listPendingRequests(store, "pending"))[0]!.id, "approved", undefined, new Date());
      const result = await client;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(first.logs.map((l) => l.bodyType)).toEqual(["ir"]);
      expect(second.logs.map((l) => l.bodyType)).toEqual(expect.arrayContaining(["pollReq", "certConf"]));
      expect(second.logs.some((l) => l.bodyType === "ir")).toBe(false);
    } finally {
      await new Promise<void>((done) => router.close(() => done()));
    }
  });
});

describe("expiry, on a clock the test controls", () => {
  it("a pending request expires: the next poll gets the rejection", async () => {
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    // messageTime is checked against the server's clock: turn the tolerance off for the jump.
    const config = { ...CONFIG, JELLYFISH_CONFIG: JSON.stringify({ ...JSON.parse(CONFIG.JELLYFISH_CONFIG), limits: { messageTimeToleranceSeconds: 0 } }) };
    const server = await start({ now, config, store: new MemoryStore(() => now().getTime()) });
    const client = ir(server, "approval", "forgotten-device");
    await expect.poll(() => pendingOf(server), { timeout: 10_000 }).toHaveLength(1);
    offset = 7 * 86_400_000 + 3_600_000; // an hour past the default pendingTtlSeconds (7 days)
    const result = await client;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("expired");
    expect((await pendingOf(server))[0]).toMatchObject({ status: "expired" });
  });
});

describe("unconfirmed certificates, on a clock the test controls", () => {
  it("a certificate never confirmed within confirmWaitTime is recorded unconfirmed and, as the profile says, revoked", async () => {
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const server = await start({ now, store: new MemoryStore(() => now().getTime()) });
    // -disable_confirm: the client neither confirms nor asks for implicit confirmation.
    const result = await ir(server, "unconfirmed", "silent-device", ["-disable_confirm"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await expireStale(server.context))).toEqual({ expiredRequests: 0, unconfirmedCertificates: 0, revokedCertificates: 0 });
    offset = 601_000; // the profile's confirmation.waitSeconds is 600
    expect(await expireStale(server.context)).toEqual({ expiredRequests: 0, unconfirmedCertificates: 1, revokedCertificates: 1 });
    const [record] = (await server.store.list<CertificateRecord>("cert/")).items.map((i) => i.value);
    expect(record).toMatchObject({ status: "revoked", revocationReason: 5, subject: "CN=silent-device" });
    // A second sweep finds nothing more to do.
    expect(await expireStale(server.context)).toEqual({ expiredRequests: 0, unconfirmedCertificates: 0, revokedCertificates: 0 });
  });

  it("a sweep expires a request nobody decided", async () => {
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const config = { ...CONFIG, JELLYFISH_CONFIG: JSON.stringify({ ...JSON.parse(CONFIG.JELLYFISH_CONFIG), limits: { messageTimeToleranceSeconds: 0 } }) };
    const server = await start({ now, config, store: new MemoryStore(() => now().getTime()) });
    const client = ir(server, "approval", "abandoned-device", ["-total_timeout", "3"]);
    await expect.poll(() => pendingOf(server), { timeout: 10_000 }).toHaveLength(1);
    expect((await client).code).not.toBe(0); // the client gives up
    offset = 7 * 86_400_000 + 60_000;
    expect(await expireStale(server.context)).toMatchObject({ expiredRequests: 1 });
    expect((await pendingOf(server))[0]).toMatchObject({ status: "expired" });
  });
});

async function writeCa(): Promise<string> {
  const path = dir.file("ca.pem");
  await import("node:fs/promises").then((fs) => fs.writeFile(path, ca.certificatePem));
  return path;
}
