import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../src/asn1/bytes.js";
import { compose } from "../../src/runtime/compose.js";
import { Misconfigured, type Settings } from "../../src/runtime/settings.js";
import { MemoryStore } from "../../src/store/memory.js";
import { makeKey, makeTempDir, type TempDir } from "../support/openssl.js";
import { decodeResponse, ocspFixture, opensslRequest, type OcspFixture } from "../ocsp/ocsp_fixtures.js";

// The runtime serves /ocsp, signed by the delegated responder that
// publication.ocsp.responder names, and refuses to start with one whose
// certificate relying parties would not accept.

let dir: TempDir;
let fixture: OcspFixture;

beforeAll(async () => {
  dir = await makeTempDir();
  fixture = await ocspFixture(dir, "composed-ca");
});
afterAll(() => dir.remove());

function settings(responder?: { key: string; cert: string }): Settings {
  const ocsp = responder ? { validitySeconds: 600, responder: { key: "env:OCSP_KEY", certificates: "env:OCSP_CERT" } } : { validitySeconds: 600 };
  return {
    JELLYFISH_CONFIG: JSON.stringify({ profiles: { default: {} }, publication: { ocsp } }),
    ...(responder ? { OCSP_KEY: responder.key, OCSP_CERT: responder.cert } : {}),
  };
}

function composeWith(values: Settings) {
  return compose({
    settings: values,
    makeSigner: async () => ({ signer: fixture.ca.signer, certificates: [fixture.ca.certificate] }),
    makeStore: () => new MemoryStore(),
    log: () => undefined,
  });
}

describe("compose and OCSP", () => {
  it("serves /ocsp signed by the delegated responder, with its certificate", async () => {
    const { app } = await composeWith(settings({ key: await readFile(fixture.responderKeyPath, "utf8"), cert: await readFile(fixture.responderCertPath, "utf8") }));
    const request = (await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { nonce: false })).der;
    const response = await app.request(`http://127.0.0.1/ocsp/${encodeURIComponent(toBase64(request))}`);
    const { status, basic } = decodeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(status).toBe(0);
    expect(basic!.certs).toHaveLength(1);
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=(599|600),/);
  });

  it("without a responder the CA signs", async () => {
    const { app } = await composeWith(settings());
    const request = (await opensslRequest(dir, fixture.openssl.certPath, ["0c"])).der;
    const response = await app.request("http://127.0.0.1/ocsp", { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: request as Uint8Array<ArrayBuffer> });
    const { status, basic } = decodeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(status).toBe(0);
    expect(basic!.certs).toBeUndefined();
  });

  it("refuses to start with a responder certificate lacking id-kp-OCSPSigning", async () => {
    const key = await makeKey(dir.file("plain.key.pem"));
    const cert = await fixture.openssl.issue("plain", { subject: "/CN=plain", keyPath: key });
    const error = await composeWith(settings({ key: await readFile(key, "utf8"), cert: await readFile(cert, "utf8") })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Misconfigured);
    expect((error as Error).message).toMatch(/publication\.ocsp\.responder\.certificates: .*id-kp-OCSPSigning/);
  });
});
