import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../../src/runtime/node.js";
import { makeCaFiles, makeTempDir, type TempDir } from "../support/openssl.js";

// The web console on plain Node (@hono/node-server): the origin the server
// sees is the one a browser sends, so a login with the browser's Origin and
// Sec-Fetch-Site headers is accepted, and one from another origin is not.

const TOKEN = randomBytes(24).toString("base64url");
let dir: TempDir;
let server: NodeServer;

beforeAll(async () => {
  dir = await makeTempDir();
  const ca = await makeCaFiles(dir);
  server = await startNodeServer(
    { CA_KEY: ca.keyPem, CA_CERT: ca.certPem, CMP_SECRETS: JSON.stringify({ device: "s3cret" }), JELLYFISH_ALLOW_MEMORY_STORE: "1", PORT: "0", ADMIN_TOKEN: TOKEN },
    { log: () => undefined },
  );
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

function logIn(origin: string): Promise<Response> {
  return fetch(`${server.url}/admin/console/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin, "sec-fetch-site": origin === server.url ? "same-origin" : "cross-site" },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
}

it("ADMIN_TOKEN's operator logs in from the server's own origin and sees the console; another origin is refused", async () => {
  expect((await logIn("http://evil.example")).status).toBe(403);
  const login = await logIn(server.url);
  expect(login.status).toBe(303);
  const cookie = login.headers.get("set-cookie")!;
  expect(cookie).not.toContain("Secure");
  const page = await fetch(`${server.url}/admin/console/entities`, { headers: { cookie: cookie.split(";")[0]! } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Signed in as <strong>admin</strong> (administrator)");
});
