import { randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { certificateKey, type CertificateRecord } from "../../src/ca/certificate_record.js";
import { endEntityKey, type EndEntity } from "../../src/ca/end_entity.js";
import type { RegistryContext } from "../../src/ca/registry.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import type { CrlContext } from "../../src/crl/crl_publisher.js";
import { SignerError } from "../../src/kms/signer.js";
import { StoreError } from "../../src/store/store.js";
import { loadConfig } from "../../src/config/load.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { createApp, type AppDeps } from "../../src/http/app.js";
import { MemoryStore } from "../../src/store/memory.js";
import { InvalidCursorError } from "../../src/store/store.js";
import { makeTestCa, type TestCa } from "../support/engine_server.js";
import { numberedCertificateRecord } from "../ca/numbered_certificate_record.js";
import { adminCalls, AUTH, expectError, expectOk, json, JSON_TYPE, TOKEN } from "./admin_calls.js";
import { OPERATORS } from "./admin_calls.js";

// The admin API (docs/admin-api.md) through createApp, as the Worker mounts
// it, with app.request(): no server, a memory store, a real sealer.

const config = loadConfig({
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: { opensslclient: { mode: "client" }, otherclient: { mode: "client" }, opensslra: { mode: "ra" } },
  }),
});
const sealer = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("hex"));
// The CMP engine is not reached by these tests; the app only passes the context through.
const engineContext = {} as EngineContext;

let testCa: TestCa;
let intermediate: TestCa;
let store: MemoryStore;
let clock: Date;
let logs: object[];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  testCa = await makeTestCa();
  intermediate = await makeTestCa("P-256", "CN=Second In Chain");
});

beforeEach(() => {
  store = new MemoryStore();
  clock = new Date("2026-11-22T10:00:00.000Z");
  logs = [];
  app = makeApp();
});

/**
 * The app with admin enabled; `registryChanges` replace parts of its registry
 * (a failing store, no sealer), `crlChanges` parts of what the CRL is built
 * with (a failing signer, publication settings).
 */
function makeApp(overrides: Partial<AppDeps> = {}, registryChanges: Partial<RegistryContext> = {}, crlChanges: Partial<CrlContext> = {}): ReturnType<typeof createApp> {
  const registry: RegistryContext = {
    config,
    store,
    sealer,
    now: () => clock,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    ...registryChanges,
  };
  const crl: CrlContext = { config, store: registry.store, ca: testCa.ca, now: registry.now, randomBytes: registry.randomBytes, ...crlChanges };
  return createApp({
    config,
    context: () => engineContext,
    log: () => undefined,
    admin: {
      operators: OPERATORS,
      registry: () => registry,
      chain: () => [testCa.ca.certificate, intermediate.ca.certificate],
      crl: () => crl,
      log: (line) => logs.push(line),
    },
    ...overrides,
  });
}

const { call } = adminCalls(() => app);

async function storeText(): Promise<string> {
  return JSON.stringify((await store.list("", { limit: 1000 })).items);
}

const USER1 = {
  username: "user1",
  subject: "CN=user1,O=My Organization,C=SE",
  subjectAltNames: ["DNS:user1.example.com", "IP:192.0.2.7", "email:user1@example.com", "URI:urn:example:user1"],
  profile: "opensslclient",
};

async function register(body: Record<string, unknown> = USER1): Promise<{ entity: Record<string, any>; enrollmentCode: string }> {
  const response = await call("POST", "/admin/entities", { body });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await json(response)) as { entity: Record<string, any>; enrollmentCode: string };
}

/** A numbered certificate record whose DER is the test CA's certificate, so that it can be served. */
function record(n: number, fields: Partial<CertificateRecord> = {}): CertificateRecord {
  return numberedCertificateRecord(n, { der: Buffer.from(testCa.ca.certificate).toString("base64"), ...fields });
}

describe("enabling", () => {
  it("without admin deps every /admin path is 404 and nothing is stored", async () => {
    app = makeApp({ admin: undefined });
    for (const [method, path] of [
      ["GET", "/admin/entities"],
      ["POST", "/admin/entities"],
      ["GET", "/admin/certificates"],
      ["GET", "/admin/ca/chain"],
      ["GET", "/admin"],
    ] as const) {
      const response = await call(method, path, method === "POST" ? { body: USER1 } : {});
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect(await storeText()).toBe("[]");
  });

  it("with admin deps the same path answers", async () => {
    expect((await call("GET", "/admin/entities")).status).toBe(200);
  });
});

describe("bearer token", () => {
  const wrong: Array<[string, Record<string, string>]> = [
    ["no Authorization header", {}],
    ["an empty header", { authorization: "" }],
    ["a wrong token", { authorization: "Bearer not-the-token" }],
    ["a prefix of the right token", { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ["the right token and more", { authorization: `Bearer ${TOKEN}0` }],
    ["the token without the Bearer scheme", { authorization: TOKEN }],
    ["Basic with the token", { authorization: `Basic ${TOKEN}` }],
    ["the token with different case", { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
    ["Bearer and nothing", { authorization: "Bearer " }],
  ];

  it.each(wrong)("%s: 401 with WWW-Authenticate, on every route", async (_label, headers) => {
    for (const [method, path] of [
      ["GET", "/admin/entities"],
      ["GET", "/admin/entities/user1"],
      ["GET", "/admin/certificates"],
      ["GET", "/admin/ca/chain"],
      ["GET", "/admin/no-such-route"],
    ] as const) {
      const response = await app.request(`http://localhost${path}`, { method, headers });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="jellyfish-admin"');
      await expectError(response, 401, "bearer token");
    }
  });

  it.each(wrong)("%s: changes nothing (register, reset, delete, revoke)", async (_label, headers) => {
    const { enrollmentCode } = await register();
    await store.put(certificateKey("0001"), record(1));
    const before = await storeText();
    const attempts = [
      app.request("http://localhost/admin/entities", { method: "POST", headers: { ...headers, ...JSON_TYPE }, body: JSON.stringify({ ...USER1, username: "user2" }) }),
      app.request("http://localhost/admin/entities/user1/reset", { method: "POST", headers: { ...headers, ...JSON_TYPE }, body: "{}" }),
      app.request("http://localhost/admin/entities/user1", { method: "DELETE", headers }),
      app.request("http://localhost/admin/certificates/0001/revoke", { method: "POST", headers: { ...headers, ...JSON_TYPE }, body: '{"reason":1}' }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain(enrollmentCode);
    }
    expect(await storeText()).toBe(before);
  });

  it("accepts the scheme name in any case", async () => {
    const response = await app.request("http://localhost/admin/entities", { headers: { authorization: `bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
  });

  it("logs refusals without the presented token", async () => {
    await app.request("http://localhost/admin/entities", { headers: { authorization: "Bearer guessed-token-xyz" } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ admin: true, outcome: "unauthorized", status: 401, method: "GET", path: "/admin/entities" });
    expect(JSON.stringify(logs)).not.toContain("guessed-token-xyz");
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });
});

describe("POST /admin/entities", () => {
  it("201 with the entity and the code; the entity hides the sealed code and says it has one", async () => {
    const response = await call("POST", "/admin/entities", { body: USER1 });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(["enrollmentCode", "entity"]);
    expect(body.enrollmentCode).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
    expect(body.entity).toEqual({
      username: "user1",
      subject: "CN=user1,O=My Organization,C=SE",
      subjectAltNames: USER1.subjectAltNames,
      profiles: ["opensslclient"],
      status: "new",
      hasEnrollmentCode: true,
      certificates: [],
      createdAt: "2026-11-22T10:00:00.000Z",
      updatedAt: "2026-11-22T10:00:00.000Z",
    });
    const stored = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    expect(new TextDecoder().decode((await sealer.open(stored.enrollmentCode!, "user1"))!)).toBe(body.enrollmentCode);
    expect(await storeText()).not.toContain(body.enrollmentCode);
  });

  it("takes the operator's code and normalises OpenSSL's subject form", async () => {
    const { entity, enrollmentCode } = await register({ ...USER1, subject: "/C=SE/O=My Organization/CN=user1", enrollmentCode: "CMP-pwd" });
    expect(enrollmentCode).toBe("CMP-pwd");
    expect(entity.subject).toBe("CN=user1,O=My Organization,C=SE");
  });

  it.each([
    ["a bad username", { ...USER1, username: "a/b" }, "username"],
    ["no username", { ...USER1, username: undefined }, "username"],
    ["no subject", { ...USER1, subject: undefined }, "subject"],
    ["a bad subject", { ...USER1, subject: "nonsense" }, "subject"],
    ["a bad subjectAltName", { ...USER1, subjectAltNames: ["IP:999.1.1.1"] }, "subjectAltNames"],
    ["subjectAltNames not an array", { ...USER1, subjectAltNames: "DNS:a.example" }, "subjectAltNames"],
    ["an unknown profile", { ...USER1, profile: "nosuch" }, "profile"],
    ["a profile in RA mode", { ...USER1, profile: "opensslra" }, "profile"],
    ["no profile", { ...USER1, profile: undefined }, "profiles"],
    ["an empty list of profiles", { ...USER1, profile: undefined, profiles: [] }, "profiles"],
    ["profiles not an array", { ...USER1, profile: undefined, profiles: "opensslclient" }, "profiles"],
    ["an unknown profile in the list", { ...USER1, profile: undefined, profiles: ["opensslclient", "nosuch"] }, "profiles"],
    ["a profile in RA mode in the list", { ...USER1, profile: undefined, profiles: ["opensslclient", "opensslra"] }, "profiles"],
    ["both profile and profiles", { ...USER1, profiles: ["otherclient"] }, "profiles"],
    ["a short code", { ...USER1, enrollmentCode: "12345" }, "enrollmentCode"],
    ["a code with a space", { ...USER1, enrollmentCode: "abc defg" }, "enrollmentCode"],
    ["a code that is not a string", { ...USER1, enrollmentCode: 12345678 }, "enrollmentCode"],
  ])("400 for %s, naming the field; nothing stored", async (_label, body, field) => {
    await expectError(await call("POST", "/admin/entities", { body }), 400, new RegExp(`^${field}: `));
    expect(await storeText()).toBe("[]");
  });

  it.each([
    ["not JSON", "{username:"],
    ["an empty body", ""],
  ])("400 for a body that is %s", async (_label, raw) => {
    await expectError(await call("POST", "/admin/entities", { raw }), 400, /^body: not valid JSON/);
    expect(await storeText()).toBe("[]");
  });

  it.each([
    ["an array", "[]"],
    ["a string", '"user1"'],
    ["null", "null"],
    ["a number", "7"],
  ])("400 for a JSON body that is %s", async (_label, raw) => {
    await expectError(await call("POST", "/admin/entities", { raw }), 400, /^body: must be a JSON object/);
    expect(await storeText()).toBe("[]");
  });

  it("registers one entity for several client-mode profiles; repeats are dropped", async () => {
    const { entity } = await register({ ...USER1, profile: undefined, profiles: ["opensslclient", "otherclient", "opensslclient"] });
    expect(entity.profiles).toEqual(["opensslclient", "otherclient"]);
    expect((await store.get<EndEntity>(endEntityKey("user1")))!.value.profiles).toEqual(["opensslclient", "otherclient"]);
  });

  it("409 when the username exists; the first registration and its code stay", async () => {
    const { enrollmentCode } = await register();
    const before = await storeText();
    const error = await expectError(await call("POST", "/admin/entities", { body: { ...USER1, subject: "CN=other" } }), 409, "exists");
    expect(error).not.toContain(enrollmentCode);
    expect(await storeText()).toBe(before);
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form data", "application/x-www-form-urlencoded"],
    ["application/jsonx", "application/jsonx"],
  ])("415 for a %s content type, nothing stored", async (_label, type) => {
    await expectError(await call("POST", "/admin/entities", { body: USER1, headers: { "content-type": type } }), 415, "application/json");
    expect(await storeText()).toBe("[]");
  });

  it("415 without any content type", async () => {
    const response = await app.request("http://localhost/admin/entities", { method: "POST", headers: AUTH, body: new TextEncoder().encode(JSON.stringify(USER1)) });
    await expectError(response, 415, "application/json");
    expect(await storeText()).toBe("[]");
  });

  it("accepts JSON with a charset parameter", async () => {
    const response = await call("POST", "/admin/entities", { body: USER1, headers: { "content-type": "application/json; charset=utf-8" } });
    expect(response.status).toBe(201);
  });

  it("413 for a body over 64 KiB, also without Content-Length; exactly 64 KiB is read", async () => {
    const padded = (size: number) => {
      const base = JSON.stringify({ ...USER1, padding: "" });
      return base.replace('"padding":""', `"padding":"${"x".repeat(size - base.length)}"`);
    };
    const over = padded(64 * 1024 + 1);
    expect(over.length).toBe(64 * 1024 + 1);
    await expectError(await call("POST", "/admin/entities", { raw: over }), 413, "64 KiB");
    // A stream has no Content-Length: the limit holds while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 80; index++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const streamed = await app.request("http://localhost/admin/entities", {
      method: "POST",
      headers: { ...AUTH, ...JSON_TYPE },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectError(streamed, 413, "64 KiB");
    expect(await storeText()).toBe("[]");
    // At the limit it is read (and the extra field ignored).
    const response = await call("POST", "/admin/entities", { raw: padded(64 * 1024) });
    expect(response.status).toBe(201);
  });
});

describe("GET /admin/entities and /admin/entities/{username}", () => {
  it("lists entities with filters by profile and status", async () => {
    await register();
    await register({ ...USER1, username: "user2", profile: "otherclient" });
    await register({ ...USER1, username: "user3" });
    const user3 = (await store.get<EndEntity>(endEntityKey("user3")))!.value;
    await store.put(endEntityKey("user3"), { ...user3, status: "issued", enrollmentCode: undefined, usedEnrollmentCode: user3.enrollmentCode });

    const names = async (query: string) => {
      const response = await call("GET", `/admin/entities${query}`);
      expect(response.status).toBe(200);
      return ((await json(response)).entities as Array<{ username: string }>).map((e) => e.username).sort();
    };
    expect(await names("")).toEqual(["user1", "user2", "user3"]);
    expect(await names("?profile=opensslclient")).toEqual(["user1", "user3"]);
    expect(await names("?status=new")).toEqual(["user1", "user2"]);
    expect(await names("?status=issued&profile=opensslclient")).toEqual(["user3"]);
    expect(await names("?status=revoked")).toEqual([]);
    const listed = (await json(await call("GET", "/admin/entities?status=issued"))).entities[0];
    expect(listed.hasEnrollmentCode).toBe(false);
  });

  it("lists an entity under each of its profiles", async () => {
    await register({ ...USER1, profile: undefined, profiles: ["opensslclient", "otherclient"] });
    for (const profile of ["opensslclient", "otherclient"]) {
      expect((await json(await call("GET", `/admin/entities?profile=${profile}`))).entities.map((e: { username: string }) => e.username)).toEqual(["user1"]);
    }
  });

  it("reads an entity stored before entities had several profiles (one `profile`) as that one profile", async () => {
    await register();
    const { profiles: _profiles, ...older } = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    await store.put(endEntityKey("user1"), { ...older, profile: "otherclient" });
    const shown = (await json(await call("GET", "/admin/entities/user1"))).entity;
    expect(shown.profiles).toEqual(["otherclient"]);
    expect(shown).not.toHaveProperty("profile");
    expect((await json(await call("GET", "/admin/entities?profile=otherclient"))).entities).toHaveLength(1);
    expect((await json(await call("GET", "/admin/entities?profile=opensslclient"))).entities).toHaveLength(0);
    // The next change writes it in today's shape.
    expect((await call("POST", "/admin/entities/user1/reset", { body: {} })).status).toBe(200);
    const stored = (await store.get<Record<string, unknown>>(endEntityKey("user1")))!.value;
    expect(stored.profiles).toEqual(["otherclient"]);
    expect(stored).not.toHaveProperty("profile");
  });

  it("gets one entity; 404 for an unknown one", async () => {
    await register();
    const response = await call("GET", "/admin/entities/user1");
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body)).toEqual(["entity"]);
    expect(body.entity).toMatchObject({ username: "user1", status: "new", hasEnrollmentCode: true });
    await expectError(await call("GET", "/admin/entities/ghost"), 404, '"ghost"');
  });

  it("never shows the code (nor its sealed form) in any GET answer or log line", async () => {
    const { enrollmentCode } = await register();
    const { enrollmentCode: second } = await register({ ...USER1, username: "user2", enrollmentCode: "Operator-Chosen-9" });
    const stored = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    await store.put(certificateKey("0001"), record(1, { entity: "user1" }));
    for (const path of ["/admin/entities", "/admin/entities/user1", "/admin/entities/user2", "/admin/entities?profile=opensslclient", "/admin/certificates", "/admin/certificates/0001"]) {
      const response = await call("GET", path);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      for (const secret of [enrollmentCode, second, stored.enrollmentCode!.data, stored.enrollmentCode!.iv]) expect(text, path).not.toContain(secret);
      expect(text).not.toContain('"enrollmentCode"');
      expect(text).not.toContain("usedEnrollmentCode");
    }
    expect(JSON.stringify(logs)).not.toContain(enrollmentCode);
    expect(JSON.stringify(logs)).not.toContain(second);
  });
});

describe("PATCH /admin/entities/{username}", () => {
  it("sets the profiles; status, code and certificates stay", async () => {
    const { enrollmentCode } = await register();
    const before = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    clock = new Date("2026-11-23T10:00:00.000Z");
    const body = await expectOk(await call("PATCH", "/admin/entities/user1", { body: { profiles: ["otherclient", "opensslclient"] } }));
    expect(body.entity).toMatchObject({ profiles: ["otherclient", "opensslclient"], status: "new", hasEnrollmentCode: true, updatedAt: "2026-11-23T10:00:00.000Z" });
    const after = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    expect(after).toEqual({ ...before, profiles: ["otherclient", "opensslclient"], updatedAt: "2026-11-23T10:00:00.000Z" });
    expect(JSON.stringify(body)).not.toContain(enrollmentCode);
    // One profile, the way it was registered before entities had several.
    expect((await expectOk(await call("PATCH", "/admin/entities/user1", { body: { profile: "otherclient" } }))).entity.profiles).toEqual(["otherclient"]);
  });

  it.each([
    ["an empty list", { profiles: [] }, /^profiles: /],
    ["an unknown profile", { profiles: ["nosuch"] }, /^profiles: no profile "nosuch"/],
    ["a profile in RA mode", { profiles: ["opensslra"] }, /^profiles: "opensslra" is not in client mode/],
    ["another field", { profiles: ["otherclient"], subject: "CN=x" }, /^subject: only profiles can be changed/],
    ["no profiles", {}, /^profiles: /],
  ])("400 for %s; nothing changes", async (_label, body, reason) => {
    await register();
    const before = await storeText();
    await expectError(await call("PATCH", "/admin/entities/user1", { body }), 400, reason);
    expect(await storeText()).toBe(before);
  });

  it("404 for an unknown entity", async () => {
    await expectError(await call("PATCH", "/admin/entities/ghost", { body: { profiles: ["opensslclient"] } }), 404, '"ghost"');
    expect(await storeText()).toBe("[]");
  });
});

describe("DELETE /admin/entities/{username}", () => {
  it("204 with no body; the entity is gone, its certificates stay; then 404", async () => {
    await register();
    await store.put(certificateKey("0001"), record(1, { entity: "user1" }));
    const response = await call("DELETE", "/admin/entities/user1");
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(await store.get(endEntityKey("user1"))).toBeUndefined();
    expect(await store.get(certificateKey("0001"))).toBeDefined();
    await expectError(await call("GET", "/admin/entities/user1"), 404, "user1");
    await expectError(await call("DELETE", "/admin/entities/user1"), 404, "user1");
  });
});

describe("POST /admin/entities/{username}/reset", () => {
  it("200 with a new code and status new; works without a body and with {}", async () => {
    const { enrollmentCode: first } = await register();
    const user1 = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    await store.put(endEntityKey("user1"), { ...user1, status: "revoked", enrollmentCode: undefined, usedEnrollmentCode: user1.enrollmentCode, certificates: ["0001"] });
    clock = new Date("2026-12-01T00:00:00.000Z");

    const response = await app.request("http://localhost/admin/entities/user1/reset", { method: "POST", headers: AUTH });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(["enrollmentCode", "entity"]);
    expect(body.enrollmentCode).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
    expect(body.enrollmentCode).not.toBe(first);
    expect(body.entity).toMatchObject({ status: "new", hasEnrollmentCode: true, certificates: ["0001"], updatedAt: "2026-12-01T00:00:00.000Z" });
    expect(body.entity).not.toHaveProperty("usedEnrollmentCode");
    const stored = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    expect(stored.usedEnrollmentCode).toBeUndefined();
    expect(new TextDecoder().decode((await sealer.open(stored.enrollmentCode!, "user1"))!)).toBe(body.enrollmentCode);

    const again = await call("POST", "/admin/entities/user1/reset", { body: {} });
    expect(again.status).toBe(200);
    expect((await json(again)).enrollmentCode).not.toBe(body.enrollmentCode);
  });

  it("takes a code of the operator's; 400 for a bad one, changing nothing", async () => {
    await register();
    const response = await call("POST", "/admin/entities/user1/reset", { body: { enrollmentCode: "Second-Chance" } });
    expect((await json(response)).enrollmentCode).toBe("Second-Chance");
    const before = await storeText();
    await expectError(await call("POST", "/admin/entities/user1/reset", { body: { enrollmentCode: "tiny" } }), 400, /^enrollmentCode: /);
    await expectError(await call("POST", "/admin/entities/user1/reset", { raw: "[1]" }), 400, /^body: /);
    await expectError(await call("POST", "/admin/entities/user1/reset", { raw: "{}", headers: { "content-type": "text/plain" } }), 415, "application/json");
    await expectError(await call("POST", "/admin/entities/user1/reset", { raw: `{"enrollmentCode":"${"a".repeat(70_000)}"}` }), 413, "64 KiB");
    expect(await storeText()).toBe(before);
  });

  it("404 for an unknown entity, creating nothing", async () => {
    await expectError(await call("POST", "/admin/entities/ghost/reset", { body: {} }), 404, '"ghost"');
    expect(await storeText()).toBe("[]");
  });
});

describe("certificates", () => {
  const TOTAL = 620; // more than one store page (500) of the registry's reads

  async function fill(): Promise<void> {
    for (let n = 1; n <= TOTAL; n++) {
      await store.put(
        certificateKey(record(n).serial),
        record(n, { status: n % 2 ? "confirmed" : "revoked", profile: n % 4 ? "opensslclient" : "otherclient", entity: n % 10 === 0 ? "user10" : undefined }),
      );
    }
  }

  async function page(query: string): Promise<{ certificates: Array<Record<string, any>>; cursor?: string }> {
    const response = await call("GET", `/admin/certificates${query}`);
    expect(response.status).toBe(200);
    return (await json(response)) as { certificates: Array<Record<string, any>>; cursor?: string };
  }

  it("lists 100 by default, without DER, with a cursor that continues the listing to its end", async () => {
    await fill();
    const first = await page("");
    expect(first.certificates).toHaveLength(100);
    expect(first.certificates[0]).not.toHaveProperty("der");
    expect(first.certificates[0]).toMatchObject({ serial: "0001", subject: "CN=device1,O=Example", status: "confirmed" });
    expect(first.cursor).toEqual(expect.any(String));

    const serials: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const next = await page(`?limit=150${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      serials.push(...next.certificates.map((c) => c.serial));
      cursor = next.cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(Math.ceil(TOTAL / 150));
    expect(serials).toEqual(Array.from({ length: TOTAL }, (_, i) => record(i + 1).serial));
  });

  it("filters by status, profile, entity and subject; the answer has no cursor at the end", async () => {
    await fill();
    const all = async (query: string) => {
      const serials: string[] = [];
      let cursor: string | undefined;
      do {
        const next = await page(`?${query}&limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        serials.push(...next.certificates.map((c) => c.serial));
        cursor = next.cursor;
      } while (cursor);
      return serials;
    };
    const where = (predicate: (n: number) => boolean) =>
      Array.from({ length: TOTAL }, (_, i) => i + 1).filter(predicate).map((n) => record(n).serial);
    expect(await all("status=revoked")).toEqual(where((n) => n % 2 === 0));
    expect(await all("profile=otherclient")).toEqual(where((n) => n % 4 === 0));
    expect(await all("entity=user10")).toEqual(where((n) => n % 10 === 0));
    expect(await all("entity=user10&status=confirmed")).toEqual([]);
    expect(await all("subject=DEVICE61")).toEqual(where((n) => String(n).startsWith("61")));
    const lastPage = await page("?subject=device620");
    expect(lastPage.certificates.map((c) => c.serial)).toEqual([record(620).serial]);
    expect(lastPage).not.toHaveProperty("cursor");
  });

  it.each([
    ["%00%ff", "bytes that are no cursor (issue 12)"],
    ["not-base64!", "not base64"],
    [encodeURIComponent(btoa("[1]")), "JSON that is not an object"],
    [encodeURIComponent(btoa(JSON.stringify({ a: "entity/x" }))), "a position outside the certificates"],
    [encodeURIComponent(btoa(JSON.stringify({ s: "\u0000\u00ff" }))), "a store cursor the store refuses"],
    ["x".repeat(5000), "one longer than any this API hands out"],
  ])("400 for cursor=%s (%s), naming cursor, not 500", async (cursor) => {
    await fill();
    await expectError(await call("GET", `/admin/certificates?cursor=${cursor}`), 400, /^cursor: /);
    expect(logs).not.toContainEqual(expect.objectContaining({ outcome: "internal-error" }));
  });

  it("pages to the end over a store whose cursors are opaque tokens, not keys (as KV and DynamoDB)", async () => {
    await fill();
    // Hands out "t<n>" for the key a page ended at and refuses anything else, as KV does.
    const tokens: string[] = [];
    const opaque = Object.create(store) as MemoryStore;
    opaque.list = async <T>(prefix: string, options: { limit?: number; cursor?: string } = {}) => {
      const index = options.cursor === undefined ? undefined : /^t(\d+)$/.exec(options.cursor)?.[1];
      if (options.cursor !== undefined && (index === undefined || tokens[Number(index)] === undefined)) throw new InvalidCursorError();
      const page = await store.list<T>(prefix, { limit: options.limit, cursor: index === undefined ? undefined : tokens[Number(index)] });
      if (page.cursor === undefined) return page;
      tokens.push(page.cursor);
      return { items: page.items, cursor: `t${tokens.length - 1}` };
    };
    app = makeApp({}, { store: opaque });
    const serials: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const next = await page(`?limit=150&status=confirmed${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      serials.push(...next.certificates.map((c) => c.serial));
      cursor = next.cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(serials).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1).filter((n) => n % 2).map((n) => record(n).serial));
  });

  it.each(["0", "1001", "abc", "1.5", "-3", ""])("400 for limit=%j, naming limit", async (limit) => {
    await expectError(await call("GET", `/admin/certificates?limit=${limit}`), 400, /^limit: /);
  });

  it("accepts limit 1 and 1000", async () => {
    await fill();
    expect((await page("?limit=1")).certificates).toHaveLength(1);
    expect((await page("?limit=1000")).certificates).toHaveLength(TOTAL);
  });

  it("filters revocations by reason (6: the held ones) and by revokedSince", async () => {
    for (const n of [1, 2, 3, 4]) await store.put(certificateKey(record(n).serial), record(n));
    clock = new Date("2026-11-30T00:00:00.000Z");
    await expectOk(await call("POST", `/admin/certificates/${record(1).serial}/revoke`, { body: { reason: 1 } }));
    clock = new Date("2026-12-02T00:00:00.000Z");
    await expectOk(await call("POST", `/admin/certificates/${record(2).serial}/revoke`, { body: { reason: 6 } }));
    await expectOk(await call("POST", `/admin/certificates/${record(3).serial}/revoke`, { body: { reason: 1 } }));
    const serials = async (query: string) => (await page(query)).certificates.map((c) => c.serial);
    expect(await serials("?reason=6")).toEqual([record(2).serial]);
    expect(await serials("?reason=1")).toEqual([record(1).serial, record(3).serial]);
    expect(await serials("?status=confirmed&reason=1")).toEqual([]);
    expect(await serials("?revokedSince=2026-12-01T00:00:00Z")).toEqual([record(2).serial, record(3).serial]);
    expect(await serials("?revokedSince=2026-12-01&reason=1")).toEqual([record(3).serial]);
    // A lifted hold is no longer a revocation.
    await expectOk(await call("POST", `/admin/certificates/${record(2).serial}/revoke`, { body: { reason: 8 } }));
    expect(await serials("?reason=6")).toEqual([]);
  });

  it.each([
    ["reason=8", /^reason: /],
    ["reason=7", /^reason: /],
    ["reason=certificateHold", /^reason: /],
    ["reason=", /^reason: /],
    ["revokedSince=yesterday", /^revokedSince: /],
    ["revokedSince=2026-13-45", /^revokedSince: /],
    ["revokedSince=%00%ff", /^revokedSince: /],
  ])("400 for %s, naming the parameter", async (query, reason) => {
    await expectError(await call("GET", `/admin/certificates?${query}`), 400, reason);
  });

  it("gets one certificate with its PEM, by serial in any case; 404 for an unknown one", async () => {
    await store.put(certificateKey("00ab"), record(0xab, { entity: "user1" }));
    const response = await call("GET", "/admin/certificates/00AB");
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body).sort()).toEqual(["certificate", "pem"]);
    expect(body.certificate).toMatchObject({ serial: "00ab", entity: "user1", status: "confirmed" });
    expect(body.certificate).not.toHaveProperty("der");
    expect(body.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(decodeCertificatesPem(body.pem).map((der) => Buffer.from(der).toString("hex"))).toEqual([Buffer.from(testCa.ca.certificate).toString("hex")]);
    await expectError(await call("GET", "/admin/certificates/ffff"), 404, "ffff");
  });

  it("revokes with a reason, then 409 on a second revocation (first time and reason kept)", async () => {
    await store.put(certificateKey("0001"), record(1));
    clock = new Date("2026-12-01T00:00:00.000Z");
    const response = await call("POST", "/admin/certificates/0001/revoke", { body: { reason: 1 } });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(Object.keys(body)).toEqual(["certificate"]);
    expect(body.certificate).toMatchObject({ serial: "0001", status: "revoked", revocationReason: 1, revokedAt: "2026-12-01T00:00:00.000Z" });
    expect(body.certificate).not.toHaveProperty("der");

    const before = await storeText();
    clock = new Date("2026-12-02T00:00:00.000Z");
    const error = await expectError(await call("POST", "/admin/certificates/0001/revoke", { body: { reason: 4 } }), 409, "already revoked");
    expect(error).toContain("2026-12-01T00:00:00.000Z");
    expect(await storeText()).toBe(before);
  });

  it("revokes with reason 0 (unspecified) when there is no body", async () => {
    await store.put(certificateKey("0002"), record(2));
    const response = await app.request("http://localhost/admin/certificates/0002/revoke", { method: "POST", headers: AUTH });
    expect(response.status).toBe(200);
    expect((await json(response)).certificate).toMatchObject({ status: "revoked", revocationReason: 0 });
  });

  it("revoking an entity's newest certificate marks the entity revoked", async () => {
    await register();
    const user1 = (await store.get<EndEntity>(endEntityKey("user1")))!.value;
    await store.put(endEntityKey("user1"), { ...user1, status: "issued", certificates: ["0001", "0002"] });
    await store.put(certificateKey("0001"), record(1, { entity: "user1" }));
    await store.put(certificateKey("0002"), record(2, { entity: "user1" }));
    expect((await call("POST", "/admin/certificates/0001/revoke", { body: {} })).status).toBe(200);
    expect((await json(await call("GET", "/admin/entities/user1"))).entity.status).toBe("issued");
    expect((await call("POST", "/admin/certificates/0002/revoke", { body: {} })).status).toBe(200);
    expect((await json(await call("GET", "/admin/entities/user1"))).entity.status).toBe("revoked");
  });

  it.each([
    ["7 (unused)", 7],
    ["11", 11],
    ["-1", -1],
    ["a string", "1"],
    ["a fraction", 1.5],
    ["a boolean", true],
  ])("400 for reason %s, naming reason; nothing changes", async (_label, reason) => {
    await store.put(certificateKey("0001"), record(1));
    const before = await storeText();
    await expectError(await call("POST", "/admin/certificates/0001/revoke", { body: { reason } }), 400, /^reason: /);
    expect(await storeText()).toBe(before);
  });

  it("puts a certificate on hold with reason 6 and lifts the hold with 8; 8 is a conflict for one not on hold", async () => {
    await store.put(certificateKey("0005"), record(5));
    await expectError(await call("POST", "/admin/certificates/0005/revoke", { body: { reason: 8 } }), 409, "not on hold");
    const held = await call("POST", "/admin/certificates/0005/revoke", { body: { reason: 6 } });
    expect(held.status).toBe(200);
    expect((await json(held)).certificate).toMatchObject({ status: "revoked", revocationReason: 6, statusBeforeHold: "confirmed" });
    const lifted = await call("POST", "/admin/certificates/0005/revoke", { body: { reason: 8 } });
    expect(lifted.status).toBe(200);
    const { certificate } = await json(lifted);
    expect(certificate.status).toBe("confirmed");
    expect(certificate.revocationReason).toBeUndefined();
  });

  it("accepts every offered reason: 0-6, 9 and 10", async () => {
    for (const reason of [0, 1, 2, 3, 4, 5, 6, 9, 10]) {
      await store.put(certificateKey(record(100 + reason).serial), record(100 + reason));
      const response = await call("POST", `/admin/certificates/${record(100 + reason).serial}/revoke`, { body: { reason } });
      expect(response.status, `reason ${reason}: ${await response.clone().text()}`).toBe(200);
      expect((await json(response)).certificate.revocationReason).toBe(reason);
    }
  });

  it("takes a JSON null reason as absent (unspecified)", async () => {
    await store.put(certificateKey("0003"), record(3));
    const response = await call("POST", "/admin/certificates/0003/revoke", { body: { reason: null } });
    expect(response.status).toBe(200);
    expect((await json(response)).certificate.revocationReason).toBe(0);
  });

  it("404 for revoking an unknown certificate; 415 and 413 for bad bodies", async () => {
    await expectError(await call("POST", "/admin/certificates/beef/revoke", { body: { reason: 1 } }), 404, "beef");
    await store.put(certificateKey("0001"), record(1));
    const before = await storeText();
    await expectError(await call("POST", "/admin/certificates/0001/revoke", { raw: '{"reason":1}', headers: { "content-type": "text/plain" } }), 415, "application/json");
    await expectError(await call("POST", "/admin/certificates/0001/revoke", { raw: `{"reason":1,"x":"${"y".repeat(66_000)}"}` }), 413, "64 KiB");
    await expectError(await call("POST", "/admin/certificates/0001/revoke", { raw: "{reason" }), 400, /^body: /);
    expect(await storeText()).toBe(before);
  });
});

describe("GET and POST /admin/crl", () => {
  const publishing = loadConfig({
    CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
    JELLYFISH_CONFIG: JSON.stringify({ profiles: { opensslclient: { mode: "client" } }, publication: { baseUrl: "https://pki.example.com" } }),
  });

  it("shows nothing before a CRL was built, and signs none to show it", async () => {
    await expectError(await call("GET", "/admin/crl"), 404, "no CRL yet");
    expect(await storeText()).toBe("[]");
  });

  it("POST signs a new CRL each time, its number growing; GET shows the latest without signing", async () => {
    const first = (await expectOk(await call("POST", "/admin/crl"))).crl;
    expect(first).toEqual({
      caId: expect.stringMatching(/^[0-9a-f]{40}$/),
      number: "1",
      thisUpdate: "2026-11-22T10:00:00.000Z",
      nextUpdate: expect.any(String),
      entries: 0,
      bytes: expect.any(Number),
      stale: false,
    });
    expect(Date.parse(first.nextUpdate)).toBeGreaterThan(Date.parse(first.thisUpdate));
    // The CLI sends an empty JSON object; the body is not read.
    const second = (await expectOk(await call("POST", "/admin/crl", { body: {} }))).crl;
    expect(second.number).toBe("2");
    const before = await storeText();
    expect((await expectOk(await call("GET", "/admin/crl"))).crl).toEqual(second);
    expect(await storeText()).toBe(before);
    expect(logs).toContainEqual(expect.objectContaining({ action: "crl.regenerate", operator: "admin", outcome: "done", crlNumber: "2", entries: 0 }));
  });

  it("GET says stale after a revocation the CRL does not list yet; POST lists it", async () => {
    await store.put(certificateKey("0001"), record(1));
    await expectOk(await call("POST", "/admin/crl"));
    await expectOk(await call("POST", "/admin/certificates/0001/revoke", { body: { reason: 6 } }));
    expect((await expectOk(await call("GET", "/admin/crl"))).crl).toMatchObject({ number: "1", entries: 0, stale: true });
    expect((await expectOk(await call("POST", "/admin/crl"))).crl).toMatchObject({ number: "2", entries: 1, stale: false });
    expect((await expectOk(await call("GET", "/admin/crl"))).crl).toMatchObject({ number: "2", entries: 1, stale: false });
  });

  it("names the URL relying parties fetch it from when publication.baseUrl is set", async () => {
    app = makeApp({}, {}, { config: publishing });
    const { crl } = await expectOk(await call("POST", "/admin/crl"));
    expect(crl.url).toBe(`https://pki.example.com/crl/${crl.caId}.crl`);
    expect((await expectOk(await call("GET", "/admin/crl"))).crl.url).toBe(crl.url);
  });

  it("503, not 500, when the signer fails; the detail only in the log, and the next try succeeds", async () => {
    const { signer } = testCa.ca;
    const throttled = {
      algorithm: signer.algorithm,
      publicKey: signer.publicKey,
      sign: async (): Promise<Uint8Array> => {
        throw new SignerError("KMS throttled: secret detail", true);
      },
    };
    app = makeApp({}, {}, { ca: { ...testCa.ca, signer: throttled } });
    const error = await expectError(await call("POST", "/admin/crl"), 503, "signer");
    expect(error).not.toContain("secret detail");
    expect(JSON.stringify(logs)).toContain("secret detail");
    expect(logs).not.toContainEqual(expect.objectContaining({ outcome: "internal-error" }));
    app = makeApp();
    expect((await expectOk(await call("POST", "/admin/crl"))).crl.number).toBe("1");
  });

  it("503, not 500, when the store fails, for GET and POST", async () => {
    const failing = Object.create(store) as MemoryStore;
    failing.get = async () => {
      throw new StoreError("DynamoDB unreachable");
    };
    app = makeApp({}, {}, { store: failing });
    await expectError(await call("GET", "/admin/crl"), 503, "store");
    await expectError(await call("POST", "/admin/crl"), 503, "store");
    expect(logs).not.toContainEqual(expect.objectContaining({ outcome: "internal-error" }));
  });

  it("404 when the server publishes no CRL", async () => {
    const registry: RegistryContext = { config, store, sealer, now: () => clock, randomBytes: (length) => new Uint8Array(randomBytes(length)) };
    app = makeApp({ admin: { operators: OPERATORS, registry: () => registry, chain: () => [], log: () => undefined } });
    await expectError(await call("GET", "/admin/crl"), 404, "no CRL");
    await expectError(await call("POST", "/admin/crl"), 404, "no CRL");
  });
});

describe("GET /admin/ca/chain", () => {
  it("answers the CA certificate and its chain as PEM, application/pem-certificate-chain", async () => {
    const response = await call("GET", "/admin/ca/chain");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pem-certificate-chain");
    const text = await response.text();
    expect(text.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(decodeCertificatesPem(text).map((der) => Buffer.from(der).toString("hex"))).toEqual(
      [testCa.ca.certificate, intermediate.ca.certificate].map((der) => Buffer.from(der).toString("hex")),
    );
    expect(text.startsWith(testCa.certificatePem.trim().split("\n")[0]!)).toBe(true);
  });
});

describe("other paths and failures", () => {
  it("404 for unknown admin paths and methods (after authentication)", async () => {
    for (const [method, path] of [
      ["GET", "/admin/nothing"],
      ["PUT", "/admin/entities/user1"],
      ["PATCH", "/admin/certificates/0001"],
      ["GET", "/admin/entities/user1/reset"],
    ] as const) {
      expect((await call(method, path)).status, `${method} ${path}`).toBe(404);
    }
  });

  // Issue 12: %00%ff in every query and path parameter of the list and read routes: 4xx or an empty answer, never 500.
  it.each([
    ["/admin/entities?profile=%00%ff&status=%00%ff", 200],
    ["/admin/entities/%00%ff", 404],
    ["/admin/certificates?status=%00%ff&profile=%00%ff&entity=%00%ff&subject=%00%ff", 200],
    ["/admin/certificates/%00%ff", 404],
    ["/admin/requests?status=%00%ff", 400],
    ["/admin/requests/%00%ff", 404],
  ])("GET %s answers %i", async (path, status) => {
    const response = await call("GET", path);
    expect(response.status).toBe(status);
    expect(logs).not.toContainEqual(expect.objectContaining({ outcome: "internal-error" }));
  });

  it("503 naming the key when there is no sealer (no ENROLLMENT_CODE_KEY); nothing stored", async () => {
    app = makeApp({}, { sealer: undefined });
    await expectError(await call("POST", "/admin/entities", { body: USER1 }), 503, "ENROLLMENT_CODE_KEY");
    expect(await storeText()).toBe("[]");
  });

  it("500 with a generic JSON error when the store fails, the detail only in the log", async () => {
    const failing = new MemoryStore();
    failing.list = async () => {
      throw new Error("backend exploded: secret detail");
    };
    app = makeApp({}, { store: failing });
    const error = await expectError(await call("GET", "/admin/entities"), 500, "internal error");
    expect(error).not.toContain("exploded");
    expect(JSON.stringify(logs)).toContain("backend exploded");
  });
});
