import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { RegistryContext } from "../../../src/ca/registry.js";
import type { EngineContext } from "../../../src/cmp/engine_types.js";
import { pendingKey } from "../../../src/cmp/pending_request.js";
import { loadConfig } from "../../../src/config/load.js";
import { createApp } from "../../../src/http/app.js";
import { operatorDirectory, type OperatorDirectory } from "../../../src/http/operators.js";
import { MemoryStore } from "../../../src/store/memory.js";

// The console as createApp mounts it, with app.request(): no browser, a
// memory store. What the browser test cannot see easily: escaping, answers
// without a session, the admin API beside it.

const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }), JELLYFISH_CONFIG: JSON.stringify({ profiles: { approval: { approval: { hold: "all" } } } }) });
const ADMIN = "admin-token-0123456789abcdef";
const READER = "reader-token-0123456789abcd";
const operators = (await operatorDirectory({ ADMIN_TOKEN: ADMIN, ADMIN_TOKENS: JSON.stringify({ rita: { role: "read-only", token: READER } }) })) as OperatorDirectory;
const ORIGIN = "http://localhost";

let store: MemoryStore;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  store = new MemoryStore();
  const registry: RegistryContext = { config, store, now: () => new Date(), randomBytes: (n) => new Uint8Array(randomBytes(n)) };
  const deps = { registry: () => registry, chain: () => [], log: () => undefined };
  app = createApp({ config, context: () => ({}) as EngineContext, log: () => undefined, admin: { ...deps, operators }, console: { ...deps, operators } });
});

async function logIn(token: string): Promise<string> {
  const response = await app.request(`${ORIGIN}/admin/console/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(response.status).toBe(303);
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

describe("the console beside the admin API", () => {
  it("GET /admin redirects to the console; the API still wants its bearer token; unknown console paths are the console's 404", async () => {
    expect((await app.request(`${ORIGIN}/admin`)).headers.get("location")).toBe("/admin/console/");
    expect((await app.request(`${ORIGIN}/admin/`)).headers.get("location")).toBe("/admin/console/");
    expect((await app.request(`${ORIGIN}/admin/requests`)).status).toBe(401);
    expect((await app.request(`${ORIGIN}/admin/requests`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    const cookie = await logIn(ADMIN);
    const missing = await app.request(`${ORIGIN}/admin/console/nothing-here`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("without a session: pages redirect to the login page, a POST is 401, the stylesheet is served", async () => {
    expect((await app.request(`${ORIGIN}/admin/console/certificates`)).headers.get("location")).toBe("/admin/console/login");
    const post = await app.request(`${ORIGIN}/admin/console/crl`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrf=x" });
    expect(post.status).toBe(401);
    const css = await app.request(`${ORIGIN}/admin/console/style.css`);
    expect([css.status, css.headers.get("content-type")]).toEqual([200, "text/css; charset=utf-8"]);
  });

  it("without operators there is no console", async () => {
    const bare = createApp({ config, context: () => ({}) as EngineContext, log: () => undefined });
    expect((await bare.request(`${ORIGIN}/admin/console/login`)).status).toBe(404);
  });
});

async function csrfOf(cookie: string): Promise<string> {
  const page = await (await app.request(`${ORIGIN}/admin/console/`, { headers: { cookie } })).text();
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

describe("Post/Redirect/Get", () => {
  it("a refused change goes back to its page with the reason, shown once", async () => {
    await store.put(pendingKey("r2"), {
      id: "r2", profile: "approval", requestType: "ir", responseType: "ip", certReqId: 0, subject: "", publicKey: "",
      subjectText: "CN=device-2", subjectAltNamesText: [], implicitConfirm: false, requester: "mac-1", transactionKey: "tx/2",
      reason: "approval", holdReason: "all", signingAttempts: 0, status: "pending",
      createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const session = await logIn(ADMIN);
    const answer = await app.request(`${ORIGIN}/admin/console/requests/r2/reject`, {
      method: "POST",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: await csrfOf(session), reason: "  " }).toString(),
    });
    expect([answer.status, answer.headers.get("location")]).toEqual([303, "/admin/console/"]);
    const flash = answer.headers.get("set-cookie")!.split(";")[0]!;
    const shown = await app.request(`${ORIGIN}/admin/console/`, { headers: { cookie: `${session}; ${flash}` } });
    expect(await shown.text()).toContain("a rejection needs a reason the client will see");
    expect(shown.headers.get("set-cookie")).toMatch(/^jellyfish_flash=; Path=\/admin\/console; Max-Age=0; HttpOnly; SameSite=Strict$/);
    expect((await store.get<{ status: string }>(pendingKey("r2")))!.value.status).toBe("pending");
  });
});

describe("what the pages show", () => {
  it("a hostile subject in a waiting request is shown as text, never as markup", async () => {
    await store.put(pendingKey("r1"), {
      id: "r1", profile: "approval", requestType: "ir", responseType: "ip", certReqId: 0, subject: "", publicKey: "",
      subjectText: `CN=<img src=x onerror=alert(1)>`, subjectAltNamesText: [`DNS:"><script>x</script>`], implicitConfirm: false, requester: "mac-1",
      transactionKey: "tx/1", reason: "approval", holdReason: "<b>held</b>", signingAttempts: 0, status: "pending",
      createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const page = await (await app.request(`${ORIGIN}/admin/console/`, { headers: { cookie: await logIn(READER) } })).text();
    expect(page).toContain("CN=&lt;img src=x onerror=alert(1)&gt;");
    expect(page).not.toMatch(/<img|<script>|<b>held/);
    expect(page).toContain("Waiting for an approver");
  });
});
