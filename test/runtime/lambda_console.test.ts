import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLambdaHandlers } from "../../src/runtime/lambda.js";
import { startLambdaShim, type LambdaShim } from "../support/lambda_shim.js";
import { makeCaFiles, makeTempDir, type TempDir } from "../support/openssl.js";

// The web console through the Lambda entry (payload 2.0, as a Function URL
// delivers it): the session cookie travels in the event's `cookies` both
// ways, and is Secure because the function is reached over https.

const TOKEN = randomBytes(24).toString("base64url");
let dir: TempDir;
let shim: LambdaShim;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  const settings = {
    CA_KEY: ca.keyPem,
    CA_CERT: ca.certPem,
    CMP_SECRETS: JSON.stringify({ device: "s3cret" }),
    JELLYFISH_ALLOW_MEMORY_STORE: "1",
    ADMIN_TOKENS: JSON.stringify({ olga: { role: "approver", token: TOKEN } }),
  };
  shim = await startLambdaShim(createLambdaHandlers(settings, { log: () => undefined }).http);
});

afterAll(async () => {
  await shim?.stop();
  await dir?.remove();
});

it("logs in and shows the pending requests through a Function URL, with a Secure session cookie", async () => {
  const login = await fetch(`${shim.url}/admin/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  expect(login.status).toBe(303);
  const cookie = login.headers.get("set-cookie")!;
  expect(cookie).toMatch(/^jellyfish_console=[^;]+; Path=\/admin\/console; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/);
  const page = await fetch(`${shim.url}/admin/console/`, { headers: { cookie: cookie.split(";")[0]! } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  expect(await page.text()).toContain("Signed in as <strong>olga</strong> (approver)");
});
