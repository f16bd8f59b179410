import { randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { certificateKey, type CertificateRecord } from "../../src/ca/certificate_record.js";
import type { RegistryContext } from "../../src/ca/registry.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { pendingKey, type PendingRequest } from "../../src/cmp/pending_request.js";
import { loadConfig } from "../../src/config/load.js";
import type { CrlContext } from "../../src/crl/crl_publisher.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { createApp } from "../../src/http/app.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeTestCa, type TestCa } from "../support/engine_server.js";
import { numberedCertificateRecord } from "../ca/numbered_certificate_record.js";
import { APPROVER_TOKEN, expectError, expectOk, JSON_TYPE, OPERATORS, READER_TOKEN, TOKEN } from "./admin_calls.js";

// Named operators (docs/admin-api.md, "Operators"): what each role may do
// through the admin API, what the records keep of who did it, and what the
// audit log says, including of refusals.

const config = loadConfig({
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({ profiles: { devices: { mode: "client" } } }),
});
const sealer = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("hex"));
const NOW = new Date("2026-12-05T10:00:00.000Z");

let testCa: TestCa;
let store: MemoryStore;
let logs: Record<string, unknown>[];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  testCa = await makeTestCa();
});

beforeEach(async () => {
  store = new MemoryStore(() => NOW.getTime());
  logs = [];
  const registry: RegistryContext = { config, store, sealer, now: () => NOW, randomBytes: (length) => new Uint8Array(randomBytes(length)) };
  const crl: CrlContext = { config, store, ca: testCa.ca, now: () => NOW, randomBytes: registry.randomBytes };
  app = createApp({
    config,
    context: () => ({}) as EngineContext,
    log: () => undefined,
    admin: { operators: OPERATORS, registry: () => registry, chain: () => [testCa.ca.certificate], crl: () => crl, log: (line) => logs.push(line as Record<string, unknown>) },
  });
  await store.put(certificateKey("0001"), numberedCertificateRecord(1, { der: Buffer.from(testCa.ca.certificate).toString("base64") }));
  await store.put(pendingKey("req-1"), pendingRequest("req-1"), { ttlSeconds: 86_400 });
});

function as(token: string) {
  return (method: string, path: string, body?: unknown) =>
    app.request(`http://localhost${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? JSON_TYPE : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
}
const reader = as(READER_TOKEN);
const approver = as(APPROVER_TOKEN);
const admin = as(TOKEN);

function pendingRequest(id: string): PendingRequest {
  return {
    id,
    profile: "approval",
    requestType: "ir",
    responseType: "ip",
    certReqId: 0,
    subject: "MBQxEjAQBgNVBAMMCWRldmljZS00Mg==",
    publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    subjectText: "CN=device-42",
    subjectAltNamesText: [],
    modified: false,
    implicitConfirm: false,
    requester: "mac-646576",
    transactionKey: `tx/mac-646576/${id}`,
    reason: "approval",
    holdReason: "the profile holds every request",
    signingAttempts: 0,
    status: "pending",
    createdAt: NOW.toISOString(),
    expiresAt: "2026-12-12T10:00:00.000Z",
  };
}

async function storedCertificate(): Promise<CertificateRecord> {
  return (await store.get<CertificateRecord>(certificateKey("0001")))!.value;
}

describe("whoami", () => {
  it("names the operator each token belongs to, with the role", async () => {
    expect(await expectOk(await reader("GET", "/admin/whoami"))).toEqual({ operator: { name: "rita", role: "read-only" } });
    expect(await expectOk(await approver("GET", "/admin/whoami"))).toEqual({ operator: { name: "paul", role: "approver" } });
    expect(await expectOk(await admin("GET", "/admin/whoami"))).toEqual({ operator: { name: "admin", role: "administrator" } });
  });

  it("refuses a token nobody has, and logs no operator for it", async () => {
    await expectError(await as("not-a-token-of-anyone")("GET", "/admin/whoami"), 401, "bearer token");
    expect(logs).toEqual([expect.objectContaining({ outcome: "unauthorized", status: 401 })]);
    expect(logs[0]).not.toHaveProperty("operator");
  });
});

describe("read-only", () => {
  it("reads everything", async () => {
    await expectOk(await reader("GET", "/admin/certificates"));
    await expectOk(await reader("GET", "/admin/requests"));
    await expectOk(await reader("GET", "/admin/entities"));
    expect((await reader("GET", "/admin/ca/chain")).status).toBe(200);
  });

  it("changes nothing: 403 naming the operator and role, the store untouched, the refusal logged", async () => {
    const before = JSON.stringify((await store.list("", { limit: 100 })).items);
    await expectError(await reader("POST", "/admin/requests/req-1/approve"), 403, 'operator "rita" (read-only) may not approve or reject requests');
    await expectError(await reader("POST", "/admin/certificates/0001/revoke", { reason: 1 }), 403, "may not revoke");
    await expectError(await reader("POST", "/admin/entities", { username: "u1", subject: "CN=u1", profile: "devices" }), 403, "may not");
    await expectError(await reader("POST", "/admin/crl"), 403, "may not");
    expect(JSON.stringify((await store.list("", { limit: 100 })).items)).toBe(before);
    expect(logs).toContainEqual(expect.objectContaining({ operator: "rita", role: "read-only", action: "request.approve", request: "req-1", outcome: "forbidden" }));
    expect(logs).toContainEqual(expect.objectContaining({ operator: "rita", action: "certificate.revoke", serial: "0001", reason: 1, outcome: "forbidden" }));
  });
});

describe("approver", () => {
  it("approves, and the request keeps who decided", async () => {
    const body = await expectOk(await approver("POST", "/admin/requests/req-1/approve", { reason: "known device" }));
    expect(body.request).toMatchObject({ status: "approved", decidedBy: "paul", decisionReason: "known device" });
    expect((await store.get<PendingRequest>(pendingKey("req-1")))!.value).toMatchObject({ decidedBy: "paul" });
    expect(logs).toContainEqual(expect.objectContaining({ operator: "paul", action: "request.approve", request: "req-1", reason: "known device", outcome: "done" }));
  });

  it("rejects with a reason, recorded as decided by the approver", async () => {
    const body = await expectOk(await approver("POST", "/admin/requests/req-1/reject", { reason: "not ours" }));
    expect(body.request).toMatchObject({ status: "rejected", decidedBy: "paul" });
  });

  it("may not revoke: 403, the certificate untouched", async () => {
    await expectError(await approver("POST", "/admin/certificates/0001/revoke", { reason: 1 }), 403, 'operator "paul" (approver) may not revoke');
    expect((await storedCertificate()).status).toBe("confirmed");
  });

  it("a failed decision is logged with its outcome", async () => {
    await expectError(await approver("POST", "/admin/requests/nope/approve"), 404, "no request");
    expect(logs).toContainEqual(expect.objectContaining({ operator: "paul", action: "request.approve", request: "nope", outcome: "notFound" }));
  });
});

describe("administrator", () => {
  it("revokes, and the certificate keeps who revoked it; lifting a hold clears it", async () => {
    const held = await expectOk(await admin("POST", "/admin/certificates/0001/revoke", { reason: 6 }));
    expect(held.certificate).toMatchObject({ status: "revoked", revocationReason: 6, revokedBy: "admin" });
    expect((await storedCertificate()).revokedBy).toBe("admin");
    const released = await expectOk(await admin("POST", "/admin/certificates/0001/revoke", { reason: 8 }));
    expect(released.certificate.revokedBy).toBeUndefined();
    expect(logs).toContainEqual(expect.objectContaining({ operator: "admin", action: "certificate.revoke", serial: "0001", reason: 6, outcome: "done" }));
    expect(logs).toContainEqual(expect.objectContaining({ operator: "admin", action: "certificate.release-hold", serial: "0001", outcome: "done" }));
  });

  it("adds an entity; the log names the change but never the enrollment code", async () => {
    const added = await (await admin("POST", "/admin/entities", { username: "u1", subject: "CN=u1", profile: "devices" })).json() as { enrollmentCode: string };
    expect(added.enrollmentCode).toBeTruthy();
    expect(logs).toContainEqual(expect.objectContaining({ operator: "admin", action: "entity.add", username: "u1", outcome: "done" }));
    expect(JSON.stringify(logs)).not.toContain(added.enrollmentCode);
  });

  it("every admin request is logged with the operator's name", async () => {
    await admin("GET", "/admin/certificates");
    expect(logs).toContainEqual(expect.objectContaining({ operator: "admin", method: "GET", path: "/admin/certificates", status: 200 }));
  });
});
