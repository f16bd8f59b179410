import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../src/asn1/bytes.js";
import { certificateKey } from "../../src/ca/certificate_record.js";
import { loadConfig } from "../../src/config/load.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { createApp } from "../../src/http/app.js";
import { createOcspApp, decodeGetRequest, OCSP_MAX_REQUEST_BYTES } from "../../src/http/ocsp.js";
import type { OcspContext } from "../../src/ocsp/responder.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeTempDir, type TempDir } from "../support/openssl.js";
import { decodeResponse, ocspFixture, opensslRequest, type OcspFixture } from "../ocsp/ocsp_fixtures.js";

// OCSP over HTTP (RFC 6960 Appendix A.1, RFC 5019 §5, §6): POST and GET,
// the media types, the size limit, which answers caches may keep, and the
// one log line per request.

let dir: TempDir;
let fixture: OcspFixture;
let ctx: OcspContext;
let withNonce: Uint8Array;
let withoutNonce: Uint8Array;
const now = Date.parse("2026-12-04T12:00:00Z");

beforeAll(async () => {
  dir = await makeTempDir();
  fixture = await ocspFixture(dir);
  const store = new MemoryStore();
  await store.create(certificateKey("0c"), { serial: "0c", status: "revoked", revokedAt: "2026-12-01T00:00:00Z", revocationReason: 1 });
  ctx = { ca: fixture.ca, store, validitySeconds: 3600, now: () => new Date(now) };
  withNonce = (await opensslRequest(dir, fixture.openssl.certPath, ["0c"])).der;
  withoutNonce = (await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { nonce: false })).der;
});
afterAll(() => dir.remove());

function setup(clock = () => now + 250) {
  const lines: Array<Record<string, unknown>> = [];
  const app = createOcspApp({ context: () => ctx, log: (line) => lines.push(line as Record<string, unknown>), clock });
  const root = createApp({
    config: loadConfig({ JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: {} } }) }),
    context: () => ({}) as EngineContext,
    log: (line) => lines.push(line as Record<string, unknown>),
    clock,
    ocsp: { context: () => ctx },
  });
  return { app, root, lines };
}

const post = (body: RequestInit["body"], headers: Record<string, string> = { "content-type": "application/ocsp-request" }) =>
  new Request("http://127.0.0.1/ocsp", { method: "POST", body, headers });

async function statusOf(response: Response): Promise<number> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/ocsp-response");
  const body = new Uint8Array(await response.arrayBuffer());
  expect(response.headers.get("content-length")).toBe(String(body.length));
  return decodeResponse(body).status;
}

describe("POST /ocsp", () => {
  it("answers the DER request, not for caches, and logs one line", async () => {
    const { root, lines } = setup();
    const response = await root.request(post(withNonce as Uint8Array<ArrayBuffer>));
    expect(await statusOf(response)).toBe(0);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(lines).toEqual([
      { time: "2026-12-04T12:00:00.250Z", endpoint: "ocsp", method: "POST", outcome: "successful", serials: ["0c"], certStatus: ["revoked"], nonce: true, status: 200, ms: 0 },
    ]);
  });

  it("accepts the media type whatever its case or parameters; refuses others with 415", async () => {
    const { app, lines } = setup();
    expect(await statusOf(await app.request(post(withNonce as Uint8Array<ArrayBuffer>, { "content-type": "Application/OCSP-Request; x=y" })))).toBe(0);
    for (const headers of [{ "content-type": "application/pkixcmp" }, {} as Record<string, string>]) {
      const response = await app.request(post(withNonce as Uint8Array<ArrayBuffer>, headers));
      expect(response.status).toBe(415);
    }
    expect(lines.at(-1)).toMatchObject({ outcome: "rejected", status: 415 });
  });

  it(`refuses a body over ${OCSP_MAX_REQUEST_BYTES} bytes with 413`, async () => {
    const { app } = setup();
    expect((await app.request(post(new Uint8Array(OCSP_MAX_REQUEST_BYTES + 1)))).status).toBe(413);
    // At the limit it is read, and answered as the garbage it is.
    expect(await statusOf(await app.request(post(new Uint8Array(OCSP_MAX_REQUEST_BYTES))))).toBe(1);
  });

  it("garbage is a malformedRequest OCSPResponse with HTTP 200 (RFC 6960 §2.3)", async () => {
    const { app, lines } = setup();
    expect(await statusOf(await app.request(post("not DER")))).toBe(1);
    expect(lines[0]).toMatchObject({ outcome: "malformedRequest", status: 200 });
  });

  it("other methods get 405 with Allow", async () => {
    const { app } = setup();
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const response = await app.request(new Request("http://127.0.0.1/ocsp", { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST");
    }
  });
});

describe("GET /ocsp/<base64>", () => {
  const standard = () => toBase64(withoutNonce);

  it("answers, cacheable until nextUpdate (RFC 5019 §6.2)", async () => {
    const { root } = setup();
    const response = await root.request(`http://127.0.0.1/ocsp/${encodeURIComponent(standard())}`);
    expect(await statusOf(response)).toBe(0);
    expect(response.headers.get("cache-control")).toBe("public, max-age=3599, no-transform, must-revalidate");
    expect(response.headers.get("last-modified")).toBe("Fri, 04 Dec 2026 12:00:00 GMT");
    expect(response.headers.get("expires")).toBe("Fri, 04 Dec 2026 13:00:00 GMT");
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("HEAD: the GET answer's headers without its body", async () => {
    const { app } = setup();
    const response = await app.request(`http://127.0.0.1/ocsp/${encodeURIComponent(standard())}`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/ocsp-response");
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=3599,/);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it("takes base64 percent-encoded or not, base64url, and without padding", async () => {
    const { app } = setup();
    const text = standard();
    const variants = [
      encodeURIComponent(text),
      text,
      text.replace(/\+/g, "-").replace(/\//g, "_"),
      text.replace(/=+$/, ""),
      text.replace(/=/g, "%3D").replace(/\//g, "%2f"),
    ];
    for (const variant of variants) expect(await statusOf(await app.request(`http://127.0.0.1/ocsp/${variant}`)), variant).toBe(0);
    expect(decodeGetRequest(encodeURIComponent(text))).toEqual(withoutNonce);
  });

  it("decodes '+', '/' and '=' whether percent-encoded or not", () => {
    const bytes = Uint8Array.of(0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff, 0x01);
    expect(toBase64(bytes)).toBe("++++////AQ==");
    for (const text of ["++++////AQ==", "%2B%2B%2B%2B%2F%2F%2F%2FAQ%3D%3D", "----____AQ", "%2b+%2B+////AQ%3d="]) expect(decodeGetRequest(text), text).toEqual(bytes);
    for (const text of ["", "A", "AQ=A", "A%", "AQ==AQ=="]) expect(decodeGetRequest(text), text).toBeUndefined();
  });

  it("a request whose base64 holds '//' arrives whole, unencoded slashes and all", async () => {
    // Serial 7fffffffffffffffff: a run of 0xff octets, "////" in base64 wherever it falls.
    const request = (await opensslRequest(dir, fixture.openssl.certPath, ["7fffffffffffffffff"], { nonce: false })).der;
    const text = toBase64(request);
    expect(text).toContain("//");
    const { app, lines } = setup();
    expect(await statusOf(await app.request(`http://127.0.0.1/ocsp/${text}`))).toBe(0);
    expect(lines[0]).toMatchObject({ outcome: "successful", serials: ["7fffffffffffffffff"], certStatus: ["unknown"] });
  });

  it("a request with a nonce is answered for that request only: no-store", async () => {
    const { app } = setup();
    const response = await app.request(`http://127.0.0.1/ocsp/${encodeURIComponent(toBase64(withNonce))}`);
    expect(await statusOf(response)).toBe(0);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("not base64, nothing, or not DER: malformedRequest, not for caches", async () => {
    const { app } = setup();
    for (const path of ["/ocsp/%%%", "/ocsp/!!!", "/ocsp", "/ocsp/", "/ocsp/aGVsbG8="]) {
      const response = await app.request(`http://127.0.0.1${path}`);
      expect(await statusOf(response), path).toBe(1);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("a path longer than any request within the limit gets 414", async () => {
    const { app } = setup();
    expect((await app.request(`http://127.0.0.1/ocsp/${"A".repeat(40_000)}`)).status).toBe(414);
  });

  it("another issuer's certificate: unauthorized", async () => {
    const other = await ocspFixture(dir, "elsewhere");
    const request = (await opensslRequest(dir, other.openssl.certPath, ["0c"], { nonce: false })).der;
    const { app, lines } = setup();
    expect(await statusOf(await app.request(`http://127.0.0.1/ocsp/${encodeURIComponent(toBase64(request))}`))).toBe(6);
    expect(lines[0]).toMatchObject({ outcome: "unauthorized", reason: "no CertID names this CA" });
  });
});

describe("createApp", () => {
  it("serves /ocsp only when given the responder", async () => {
    const app = createApp({ config: loadConfig({ JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: {} } }) }), context: () => ({}) as EngineContext, log: () => {} });
    expect((await app.request(post(withNonce as Uint8Array<ArrayBuffer>))).status).toBe(404);
  });
});
