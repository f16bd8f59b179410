import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AdminApiError, AdminClient, UnreachableError } from "../../src/cli/admin_client.js";
import { FakeAdminApi } from "./fake_admin_api.js";

// The client in-process: what it sends, and how every kind of failure comes
// out of it. Odd servers (proxies, redirects, hangs) are stood up per test.

const TOKEN = "client-test-token-7c1f";
let api: FakeAdminApi;
let apiUrl: string;
let odd: Server | undefined;

beforeAll(async () => {
  api = new FakeAdminApi({ token: TOKEN });
  apiUrl = await api.start();
});

afterAll(async () => {
  await api.stop();
});

afterEach(async () => {
  odd?.closeAllConnections();
  await new Promise<void>((resolve) => (odd ? odd.close(() => resolve()) : resolve()));
  odd = undefined;
});

async function oddServer(listener: RequestListener): Promise<string> {
  odd = createServer(listener);
  await new Promise<void>((resolve) => odd!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(String(error)).not.toContain(TOKEN);
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("AdminClient against the contract", () => {
  it("sends JSON with the bearer token and reads the documented answers", async () => {
    const client = new AdminClient({ baseUrl: `${apiUrl}/`, token: TOKEN });
    const created = await client.createEntity({ username: "u1", subject: "CN=u1", profiles: ["lab"] });
    expect(created.entity.username).toBe("u1");
    const request = api.requests.at(-1)!;
    expect(request).toMatchObject({ method: "POST", path: "/admin/entities", authorization: `Bearer ${TOKEN}` });
    expect(request.contentType).toBe("application/json; charset=utf-8");
    expect((await client.listEntities({ profile: "lab" })).entities).toHaveLength(1);
    expect(api.requests.at(-1)!.query).toEqual({ profile: "lab" });
    await client.deleteEntity("u1");
    expect(api.requests.at(-1)!.method).toBe("DELETE");
    expect(await client.caChain()).toContain("BEGIN CERTIFICATE");
  });

  it("turns an error answer into AdminApiError with the server's reason and status", async () => {
    const wrong = new AdminClient({ baseUrl: apiUrl, token: "not-it" });
    const unauthorised = await failure(wrong.listEntities({}));
    expect(unauthorised).toBeInstanceOf(AdminApiError);
    expect(unauthorised).toMatchObject({ status: 401, reason: "missing or wrong admin token" });

    const client = new AdminClient({ baseUrl: apiUrl, token: TOKEN });
    expect(await failure(client.getCertificate("ff"))).toMatchObject({ status: 404, reason: "no certificate with serial ff" });
  });

  it("refuses names that URL parsing would resolve to another route", async () => {
    const client = new AdminClient({ baseUrl: apiUrl, token: TOKEN });
    await expect(client.getEntity("..")).rejects.toThrow(/cannot be a name in a URL path/);
  });
});

describe("AdminClient against servers that do not keep the contract", () => {
  it("shows the first line of a non-JSON error page", async () => {
    const url = await oddServer((_, res) => res.writeHead(502, { "content-type": "text/html" }).end("<html>Bad gateway from the proxy</html>\n<body>…"));
    const error = await failure(new AdminClient({ baseUrl: url, token: TOKEN }).listEntities({}));
    expect(error).toMatchObject({ status: 502, reason: "<html>Bad gateway from the proxy</html>" });
  });

  it("falls back to the status text for an empty error body", async () => {
    const url = await oddServer((_, res) => res.writeHead(404).end());
    expect(await failure(new AdminClient({ baseUrl: url, token: TOKEN }).listEntities({}))).toMatchObject({ status: 404, reason: "Not Found" });
  });

  it("does not follow a redirect (it would carry the token along) but names its target", async () => {
    let hits = 0;
    const url = await oddServer((_req, res) => {
      hits++;
      res.writeHead(301, { location: "https://elsewhere.example/admin/entities" }).end();
    });
    const error = await failure(new AdminClient({ baseUrl: url, token: TOKEN }).listEntities({}));
    expect(error).toMatchObject({ status: 301 });
    expect(error.message).toContain("redirects to https://elsewhere.example/admin/entities");
    expect(hits).toBe(1);
  });

  it("reports a 2xx answer that is not the documented JSON", async () => {
    const url = await oddServer((req, res) => {
      if (req.url === "/admin/entities") res.writeHead(200).end("<html>a login page</html>");
      else res.writeHead(200, { "content-type": "application/json" }).end('{"entity": []}');
    });
    const client = new AdminClient({ baseUrl: url, token: TOKEN });
    expect((await failure(client.listEntities({}))).message).toBe("the answer is not JSON (HTTP 200)");
    expect((await failure(client.getEntity("u"))).message).toBe('the answer has no "entity" object (HTTP 200)');
  });

  it("gives up on a server that does not answer, as unreachable", async () => {
    const url = await oddServer(() => {
      // never answers
    });
    const error = await failure(new AdminClient({ baseUrl: url, token: TOKEN, timeoutMs: 200 }).caChain());
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error).toMatchObject({ url, reason: "no answer within 0.2 s" });
  });

  it("reports a connection the server drops mid-answer as unreachable", async () => {
    const url = await oddServer((req) => req.socket.destroy());
    const error = await failure(new AdminClient({ baseUrl: url, token: TOKEN }).caChain());
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as UnreachableError).reason).toMatch(/socket|closed|reset/i);
  });
});
