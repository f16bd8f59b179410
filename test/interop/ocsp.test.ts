import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../src/asn1/bytes.js";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { makeKey, makeTempDir, mustOpenssl, openssl, type TempDir } from "../support/openssl.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { startWorker, type RunningWorker } from "../support/worker.js";
import { OCSP_SIGNING, decodeResponse } from "../ocsp/ocsp_fixtures.js";

// The OCSP responder with the real `openssl ocsp` against the real Worker
// in workerd: a certificate enrolled with `openssl cmp` is good, revoked
// with `openssl cmp -cmd rr` it is revoked with its reason, a serial never
// issued is unknown; answers signed by the CA and by a delegated responder
// (whose certificate openssl checks against the CA), with and without a
// nonce, by POST (openssl) and by GET (fetch, RFC 6960 Appendix A.1).

let dir: TempDir;
let ca: OpensslCa;
let responderCert: string;
let responderKey: string;

beforeAll(async () => {
  dir = await makeTempDir();
  ca = await opensslCa(dir.path, { name: "ca", subject: "/O=Jellyfish/CN=OCSP Interop CA" });
  responderKey = await makeKey(dir.file("responder.key.pem"));
  responderCert = await ca.issue("responder", { subject: "/O=Jellyfish/CN=OCSP Responder", keyPath: responderKey, extensions: OCSP_SIGNING });
});
afterAll(() => dir?.remove());

describe.each([
  { signer: "the CA", delegated: false },
  { signer: "a delegated responder", delegated: true },
])("answers signed by $signer", ({ delegated }) => {
  let worker: RunningWorker;
  let device: CmpDevice;

  beforeAll(async () => {
    worker = await startWorker({
      caKey: await readFile(ca.keyPath, "utf8"),
      caCert: await readFile(ca.certPath, "utf8"),
      secrets: { device: "device-secret" },
      config: {
        profiles: { default: {} },
        publication: { ocsp: { validitySeconds: 900, ...(delegated ? { responder: { key: "env:OCSP_KEY", certificates: "env:OCSP_CERT" } } : {}) } },
      },
      vars: delegated ? { OCSP_KEY: await readFile(responderKey, "utf8"), OCSP_CERT: await readFile(responderCert, "utf8") } : {},
    });
    device = cmpDevice({ dir, endpoint: () => `${worker.url}/.well-known/cmp`, reference: "device", secret: "device-secret" });
  });
  afterAll(() => worker?.stop());

  /** `openssl ocsp` against the Worker, checking the answer with the CA as trust anchor. */
  async function ask(target: string[], extra: string[] = []): Promise<string> {
    const result = await openssl(["ocsp", "-issuer", ca.certPath, ...target, "-url", `${worker.url}/ocsp`, "-CAfile", ca.certPath, "-timeout", "20", "-resp_text", ...extra]);
    expect(result.stderr).toContain("Response verify OK");
    return result.stdout;
  }

  it("enrolled: good; revoked with openssl cmp -cmd rr: revoked with its reason; with and without nonce", async () => {
    const leaf = await device.enroll(delegated ? "delegated-leaf" : "ca-leaf");
    const good = await ask(["-cert", leaf.cert]);
    expect(good).toContain(`${leaf.cert}: good`);
    expect(good).toContain("OCSP Nonce");
    expect(good).toMatch(/This Update: .*\n\s+Next Update: /);
    if (delegated) expect(good).toContain("O=Jellyfish, CN=OCSP Responder");

    const rr = await device.cmp(["-cmd", "rr", "-oldcert", leaf.cert, "-cert", leaf.cert, "-key", leaf.key, "-trusted", ca.certPath, "-revreason", "1"]);
    expect(rr.code, rr.stderr).toBe(0);
    for (const nonce of [[], ["-no_nonce"]]) {
      const revoked = await ask(["-cert", leaf.cert], nonce);
      expect(revoked).toContain(`${leaf.cert}: revoked`);
      expect(revoked).toMatch(/Reason: keyCompromise/);
      expect(revoked.includes("OCSP Nonce")).toBe(nonce.length === 0);
    }

    const lines = worker.logLines().filter((line) => line.endpoint === "ocsp");
    expect(lines.at(-1)).toMatchObject({ method: "POST", outcome: "successful", serials: [await serialOf(leaf.cert)], certStatus: ["revoked"], status: 200 });
  });

  it("a serial this CA never issued: unknown", async () => {
    expect(await ask(["-serial", "0x0123456789abcdef"])).toMatch(/0x0123456789abcdef: unknown/i);
  });

  it("GET /ocsp/<base64> with a request made by openssl -reqout; cacheable until nextUpdate", async () => {
    const leaf = await device.enroll(delegated ? "delegated-get" : "ca-get");
    const requestPath = dir.file(`get-${delegated}.der`);
    await mustOpenssl(["ocsp", "-issuer", ca.certPath, "-cert", leaf.cert, "-no_nonce", "-reqout", requestPath]);
    const request = new Uint8Array(await readFile(requestPath));
    const response = await fetch(`${worker.url}/ocsp/${encodeURIComponent(toBase64(request))}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/ocsp-response");
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=(899|900), no-transform, must-revalidate$/);
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(decodeResponse(body).status).toBe(0);

    // What came by GET verifies as openssl's own answer does.
    const responsePath = dir.file(`get-${delegated}.resp.der`);
    await writeFile(responsePath, body);
    const checked = await openssl(["ocsp", "-respin", responsePath, "-issuer", ca.certPath, "-cert", leaf.cert, "-CAfile", ca.certPath, "-no_nonce"]);
    expect(checked.stderr).toContain("Response verify OK");
    expect(checked.stdout).toContain(`${leaf.cert}: good`);
  });
});
