import { randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RegistryContext } from "../../src/ca/registry.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { pendingKey, type PendingRequest } from "../../src/cmp/pending_request.js";
import { loadConfig } from "../../src/config/load.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { createApp } from "../../src/http/app.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeTestCa, type TestCa } from "../support/engine_server.js";
import { adminCalls, expectError, expectOk, JSON_TYPE, TOKEN } from "./admin_calls.js";
import { OPERATORS } from "./admin_calls.js";

// The admin API's requests waiting for approval (docs/admin-api.md) through
// createApp, as the Worker mounts it, with app.request(): no server, a memory
// store holding PendingRequest records put there directly.

const config = loadConfig({
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({ profiles: { opensslclient: { mode: "client" } } }),
});
const sealer = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("hex"));
// The CMP engine is not reached by these tests; the app only passes the context through.
const engineContext = {} as EngineContext;
const START = "2026-11-22T10:00:00.000Z";

let testCa: TestCa;
let store: MemoryStore;
let clock: Date;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  testCa = await makeTestCa();
});

beforeEach(() => {
  clock = new Date(START);
  store = new MemoryStore(() => clock.getTime());
  const registry: RegistryContext = {
    config,
    store,
    sealer,
    now: () => clock,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
  };
  app = createApp({
    config,
    context: () => engineContext,
    log: () => undefined,
    admin: { operators: OPERATORS, registry: () => registry, chain: () => [testCa.ca.certificate], log: () => undefined },
  });
});

const { call } = adminCalls(() => app);

async function storeText(): Promise<string> {
  return JSON.stringify((await store.list("", { limit: 1000 })).items);
}

async function stored(id: string): Promise<PendingRequest | undefined> {
  return (await store.get<PendingRequest>(pendingKey(id)))?.value;
}

/**
 * A request as the engine records one it answered `waiting`, created n
 * minutes after START. Ids are named so that their key order is the reverse
 * of the creation order: the list must sort by createdAt, not by key.
 */
function pending(n: number, fields: Partial<PendingRequest> = {}): PendingRequest {
  const id = `mac-646576.${(100 - n).toString(16).padStart(4, "0")}`;
  return {
    id,
    profile: "approval",
    requestType: "ir",
    responseType: "ip",
    certReqId: 0,
    subject: "MBQxEjAQBgNVBAMMCWRldmljZS00Mg==",
    subjectAltName: "MB6CHGRldmljZS00Mi5lbHNld2hlcmUuZXhhbXBsZQ==",
    publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    subjectText: `CN=device-${n}`,
    subjectAltNamesText: [`DNS:device-${n}.elsewhere.example`],
    modified: false,
    entity: `device-${n}`,
    implicitConfirm: false,
    requester: "mac-646576",
    transactionKey: `tx/mac-646576/${id}`,
    reason: "approval",
    holdReason: `subjectAltName DNS:device-${n}.elsewhere.example is outside *.devices.example`,
    signingAttempts: 0,
    status: "pending",
    createdAt: new Date(Date.parse(START) + n * 60_000).toISOString(),
    expiresAt: "2026-11-29T10:00:00.000Z",
    ...fields,
  };
}

async function put(...requests: PendingRequest[]): Promise<void> {
  for (const request of requests) await store.put(pendingKey(request.id), request, { ttlSeconds: 8 * 86_400 });
}

const ids = (body: Record<string, any>): string[] => (body.requests as PendingRequest[]).map((r) => r.id);

describe("GET /admin/requests with none stored", () => {
  it("answers an empty list, for the default and for all", async () => {
    expect(await expectOk(await call("GET", "/admin/requests"))).toEqual({ requests: [] });
    expect(await expectOk(await call("GET", "/admin/requests?status=all"))).toEqual({ requests: [] });
  });
});

describe("GET /admin/requests", () => {
  const held = pending(1);
  const retrying = pending(2, { reason: "signer", holdReason: undefined, signingAttempts: 2 });
  const approved = pending(3, { status: "approved", decisionReason: "ok", decidedAt: START });
  const rejected = pending(4, { status: "rejected", decisionReason: "not ours", decidedAt: START });
  const expired = pending(5, { status: "expired" });
  const issued = pending(6, { status: "issued" });
  const failed = pending(7, { status: "failed", reason: "signer", holdReason: undefined, signingAttempts: 5 });
  const newest = pending(8);

  beforeEach(async () => {
    await put(newest, failed, issued, expired, rejected, approved, retrying, held);
  });

  it("without status: the pending ones, oldest first, whole records", async () => {
    const body = await expectOk(await call("GET", "/admin/requests"));
    expect(Object.keys(body)).toEqual(["requests"]);
    expect(body.requests).toEqual([held, retrying, newest]);
  });

  it.each([
    ["pending", [held, retrying, newest]],
    ["approved", [approved]],
    ["rejected", [rejected]],
    ["expired", [expired]],
    ["issued", [issued]],
    ["failed", [failed]],
  ])("status=%s: only those", async (status, expected) => {
    const body = await expectOk(await call("GET", `/admin/requests?status=${status}`));
    expect(ids(body)).toEqual(expected.map((r) => r.id));
  });

  it("status=all: every one, oldest first", async () => {
    const body = await expectOk(await call("GET", "/admin/requests?status=all"));
    expect(body.requests).toEqual([held, retrying, approved, rejected, expired, issued, failed, newest]);
  });

  it("leaves out other records and expired entries", async () => {
    await store.put("cert/0001", { serial: "0001" });
    await store.put(pendingKey("gone"), pending(0, { id: "gone" }), { ttlSeconds: 60 });
    expect(ids(await expectOk(await call("GET", "/admin/requests")))).toEqual(["gone", held.id, retrying.id, newest.id]);
    clock = new Date(clock.getTime() + 61_000);
    expect(ids(await expectOk(await call("GET", "/admin/requests")))).toEqual([held.id, retrying.id, newest.id]);
  });
});

describe("GET /admin/requests/{id}", () => {
  it("answers the whole record under `request`", async () => {
    const request = pending(1);
    await put(request, pending(2));
    const body = await expectOk(await call("GET", `/admin/requests/${request.id}`));
    expect(body).toEqual({ request });
  });

  it("shows decided requests too", async () => {
    const request = pending(1, { status: "rejected", decisionReason: "no", decidedAt: START });
    await put(request);
    expect((await expectOk(await call("GET", `/admin/requests/${request.id}`))).request).toEqual(request);
  });

  it("an unknown id: 404 naming it", async () => {
    await put(pending(1));
    await expectError(await call("GET", "/admin/requests/mac-00.ffff"), 404, "no request mac-00.ffff");
  });
});

describe("POST /admin/requests/{id}/approve", () => {
  it("with a reason: approved, the reason and time recorded, the rest untouched", async () => {
    const request = pending(1);
    await put(request, pending(2));
    clock = new Date("2026-11-23T08:30:00.000Z");
    const body = await expectOk(await call("POST", `/admin/requests/${request.id}/approve`, { body: { reason: "moved to elsewhere.example" } }));
    const decided = { ...request, status: "approved", decisionReason: "moved to elsewhere.example", decidedAt: "2026-11-23T08:30:00.000Z", decidedBy: "admin" };
    expect(body).toEqual({ request: decided });
    expect(await stored(request.id)).toEqual(decided);
    expect((await stored(pending(2).id))!.status).toBe("pending");
  });

  it.each([
    ["no body", {}],
    ["an empty object", { body: {} }],
  ])("without a reason (%s): approved, no decisionReason", async (_, options) => {
    const request = pending(1);
    await put(request);
    const body = await expectOk(await call("POST", `/admin/requests/${request.id}/approve`, options));
    expect(body.request).toMatchObject({ status: "approved", decidedAt: START });
    expect(body.request).not.toHaveProperty("decisionReason");
    expect(await stored(request.id)).toEqual(body.request);
  });

  it("the decided record outlives the request's expiry by a day, for late polls", async () => {
    const request = pending(1);
    await put(request);
    await expectOk(await call("POST", `/admin/requests/${request.id}/approve`));
    clock = new Date(Date.parse(request.expiresAt) + 86_400_000 - 1000);
    expect((await stored(request.id))?.status).toBe("approved");
    clock = new Date(Date.parse(request.expiresAt) + 86_400_000 + 1000);
    expect(await stored(request.id)).toBeUndefined();
  });
});

describe("POST /admin/requests/{id}/reject", () => {
  it("with a reason: rejected, the reason and time recorded", async () => {
    const request = pending(1);
    await put(request);
    const body = await expectOk(await call("POST", `/admin/requests/${request.id}/reject`, { body: { reason: "not one of our devices" } }));
    const decided = { ...request, status: "rejected", decisionReason: "not one of our devices", decidedAt: START, decidedBy: "admin" };
    expect(body).toEqual({ request: decided });
    expect(await stored(request.id)).toEqual(decided);
  });

  it.each([
    ["no body", {}],
    ["an empty object", { body: {} }],
    ["an empty reason", { body: { reason: "" } }],
  ])("without a reason (%s): 400 and nothing changed", async (_, options) => {
    await put(pending(1));
    const before = await storeText();
    await expectError(await call("POST", `/admin/requests/${pending(1).id}/reject`, options), 400, "reason");
    expect(await storeText()).toBe(before);
  });
});

describe("deciding: what cannot be decided", () => {
  const decisions = [
    ["approve", { reason: "ok" }],
    ["reject", { reason: "no" }],
  ] as const;

  it.each(decisions)("a reason that is not a string of at most 500 characters (%s): 400, nothing changed", async (decision) => {
    await put(pending(1));
    const before = await storeText();
    for (const reason of [42, ["x"], "x".repeat(501)]) {
      await expectError(await call("POST", `/admin/requests/${pending(1).id}/${decision}`, { body: { reason } }), 400, "reason");
    }
    expect(await storeText()).toBe(before);
  });

  it.each([
    ["approve", "approve"],
    ["approve", "reject"],
    ["reject", "approve"],
    ["reject", "reject"],
  ] as const)("deciding twice (%s, then %s): 409, the first decision stands", async (first, second) => {
    const request = pending(1);
    await put(request);
    await expectOk(await call("POST", `/admin/requests/${request.id}/${first}`, { body: { reason: "first" } }));
    const after = await stored(request.id);
    clock = new Date(clock.getTime() + 60_000);
    await expectError(await call("POST", `/admin/requests/${request.id}/${second}`, { body: { reason: "second" } }), 409, "not waiting for a decision");
    expect(await stored(request.id)).toEqual(after);
    expect(after).toMatchObject({ status: first === "approve" ? "approved" : "rejected", decisionReason: "first", decidedAt: START });
  });

  it.each(decisions)('a request whose reason is "signer" (%s): 409, nothing changed', async (decision, body) => {
    await put(pending(1, { reason: "signer", holdReason: undefined, signingAttempts: 3 }));
    const before = await storeText();
    await expectError(await call("POST", `/admin/requests/${pending(1).id}/${decision}`, { body }), 409, "not waiting for a decision");
    expect(await storeText()).toBe(before);
  });

  it.each(decisions)("a request that expired, was issued or failed (%s): 409, nothing changed", async (decision, body) => {
    const requests = [pending(1, { status: "expired" }), pending(2, { status: "issued" }), pending(3, { status: "failed", reason: "signer" })];
    await put(...requests);
    const before = await storeText();
    for (const request of requests) {
      await expectError(await call("POST", `/admin/requests/${request.id}/${decision}`, { body }), 409, "not waiting for a decision");
    }
    expect(await storeText()).toBe(before);
  });

  it.each(decisions)("an unknown id (%s): 404 naming it, nothing stored", async (decision, body) => {
    await put(pending(1));
    const before = await storeText();
    await expectError(await call("POST", `/admin/requests/mac-00.ffff/${decision}`, { body }), 404, "no request mac-00.ffff");
    expect(await storeText()).toBe(before);
  });
});

describe("bearer token", () => {
  const wrong: Array<[string, Record<string, string>]> = [
    ["no Authorization header", {}],
    ["a wrong token", { authorization: "Bearer not-the-token" }],
  ];

  it.each(wrong)("%s: 401 on every requests route, nothing shown and nothing changed", async (_label, headers) => {
    const request = pending(1);
    await put(request);
    const before = await storeText();
    for (const [method, path, body] of [
      ["GET", "/admin/requests", undefined],
      ["GET", "/admin/requests?status=all", undefined],
      ["GET", `/admin/requests/${request.id}`, undefined],
      ["POST", `/admin/requests/${request.id}/approve`, '{"reason":"ok"}'],
      ["POST", `/admin/requests/${request.id}/reject`, '{"reason":"no"}'],
    ] as const) {
      const response = await app.request(`http://localhost${path}`, { method, headers: { ...headers, ...(body ? JSON_TYPE : {}) }, body });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="jellyfish-admin"');
      const text = await response.text();
      expect(text).not.toContain(request.id);
      expect(text).not.toContain("device-1");
    }
    expect(await storeText()).toBe(before);
    expect((await stored(request.id))!.status).toBe("pending");
  });
});
