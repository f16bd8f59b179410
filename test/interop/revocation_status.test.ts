import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmpDevice, type CmpDevice, type Credential } from "../support/cmp_device.js";
import { freePort } from "../support/free_port.js";
import { makeTempDir, mustOpenssl, openssl, type TempDir } from "../support/openssl.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 14's acceptance for CRLs and OCSP, with the real `openssl` against the real
// Worker: a certificate names its CRL (cRLDistributionPoints) and CA
// certificate (authorityInfoAccess caIssuers) under PUBLIC_BASE_URL; after
// an rr the CRL fetched from that URL makes `openssl verify -crl_check`
// refuse the certificate and `openssl ocsp` at its AIA URL says revoked with
// the reason; certificateHold does too, and removeFromCRL, sent by the
// holder with the held certificate, makes it good again on both.

let dir: TempDir;
let ca: OpensslCa;
let worker: RunningWorker;
let base: string;
let device: CmpDevice;

beforeAll(async () => {
  dir = await makeTempDir();
  ca = await opensslCa(dir.path, { name: "ca", subject: "/O=Jellyfish/CN=Revocation Status CA" });
  const port = await freePort();
  worker = await startWorker({
    port,
    caKey: await readFile(ca.keyPath, "utf8"),
    caCert: await readFile(ca.certPath, "utf8"),
    secrets: { device: "device-secret", ra: "ra-secret" },
    config: { profiles: { default: {}, ra: { ra: { macReferences: ["ra"] } } } },
    vars: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
  });
  base = worker.url;
  device = cmpDevice({ dir, endpoint: () => `${base}/.well-known/cmp`, reference: "device", secret: "device-secret" });
});

afterAll(async () => {
  await worker?.stop();
  await dir?.remove();
});

/** The URIs of one extension of the certificate, as `openssl x509 -ext` prints them. */
async function urisOf(cert: string, extension: "crlDistributionPoints" | "authorityInfoAccess"): Promise<string[]> {
  const text = await mustOpenssl(["x509", "-in", cert, "-noout", "-ext", extension]);
  return [...text.matchAll(/URI:(\S+)/g)].map((match) => match[1]!);
}

/** The CRL from the certificate's own cRLDistributionPoints, saved as PEM for -CRLfile. */
async function fetchCrl(cert: string, name: string): Promise<string> {
  const [url] = await urisOf(cert, "crlDistributionPoints");
  const response = await fetch(url!);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/pkix-crl");
  const der = dir.file(`${name}.crl.der`);
  await writeFile(der, new Uint8Array(await response.arrayBuffer()));
  const pem = dir.file(`${name}.crl.pem`);
  await mustOpenssl(["crl", "-inform", "DER", "-in", der, "-out", pem]);
  return pem;
}

async function verifyWithCrl(cert: string, crl: string) {
  return openssl(["verify", "-crl_check", "-CAfile", ca.certPath, "-CRLfile", crl, cert]);
}

/** `openssl ocsp` at the certificate's own AIA OCSP URL, the answer verified against the CA. */
async function ocsp(cert: string): Promise<string> {
  const url = (await mustOpenssl(["x509", "-in", cert, "-noout", "-ocsp_uri"])).trim();
  expect(url).toBe(`${base}/ocsp`);
  const result = await openssl(["ocsp", "-issuer", ca.certPath, "-CAfile", ca.certPath, "-cert", cert, "-url", url]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain("Response verify OK");
  return result.stdout;
}

async function rr(holder: Credential, reason: number) {
  return device.cmp(["-cmd", "rr", "-oldcert", holder.cert, "-cert", holder.cert, "-key", holder.key, "-trusted", ca.certPath, "-revreason", String(reason)]);
}

describe("CRL distribution point and caIssuers", () => {
  it("issues certificates that name the CRL, the OCSP responder and the CA certificate under PUBLIC_BASE_URL", async () => {
    const { cert } = await device.enroll("named");
    const [crl] = await urisOf(cert, "crlDistributionPoints");
    expect(crl).toMatch(new RegExp(`^${base}/crl/[0-9a-f]+\\.crl$`));
    const text = await mustOpenssl(["x509", "-in", cert, "-noout", "-ext", "authorityInfoAccess"]);
    expect(text).toContain(`OCSP - URI:${base}/ocsp`);
    const caIssuers = /CA Issuers - URI:(\S+)/.exec(text)![1]!;
    const response = await fetch(caIssuers);
    expect(response.headers.get("content-type")).toBe("application/pkix-cert");
    await writeFile(dir.file("issuer.der"), new Uint8Array(await response.arrayBuffer()));
    const fetched = await mustOpenssl(["x509", "-inform", "DER", "-in", dir.file("issuer.der"), "-noout", "-fingerprint", "-sha256"]);
    expect(fetched).toBe(await mustOpenssl(["x509", "-in", ca.certPath, "-noout", "-fingerprint", "-sha256"]));
  });
});

describe("openssl verify -crl_check with the CRL from the certificate's CDP", () => {
  it("accepts a certificate nobody revoked, and refuses it once an rr revoked it", async () => {
    const holder = await device.enroll("revoked");
    const before = await verifyWithCrl(holder.cert, await fetchCrl(holder.cert, "before"));
    expect(before.code, before.stderr + before.stdout).toBe(0);
    expect(await ocsp(holder.cert)).toMatch(/: good/);

    const revocation = await rr(holder, 1);
    expect(revocation.code, revocation.stderr).toBe(0);
    const crl = await fetchCrl(holder.cert, "after");
    expect(await mustOpenssl(["crl", "-in", crl, "-noout", "-text"])).toContain("Key Compromise");
    const after = await verifyWithCrl(holder.cert, crl);
    expect(after.code).not.toBe(0);
    expect(after.stdout + after.stderr).toContain("certificate revoked");
    const status = await ocsp(holder.cert);
    expect(status).toMatch(/: revoked/);
    expect(status).toMatch(/Reason: keyCompromise/);
    expect(status).toMatch(/Revocation Time: /);
  });

  it("refuses a certificate on hold, and accepts it again after the holder's removeFromCRL", async () => {
    const holder = await device.enroll("held");
    const hold = await rr(holder, 6);
    expect(hold.code, hold.stderr).toBe(0);
    const heldCrl = await fetchCrl(holder.cert, "held");
    expect(await mustOpenssl(["crl", "-in", heldCrl, "-noout", "-text"])).toContain("Certificate Hold");
    const refused = await verifyWithCrl(holder.cert, heldCrl);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("certificate revoked");
    expect(await ocsp(holder.cert)).toMatch(/: revoked[\s\S]*Reason: certificateHold/);

    // Signed with the held certificate itself: the one thing it may still do.
    const lift = await rr(holder, 8);
    expect(lift.code, lift.stderr).toBe(0);
    const liftedCrl = await fetchCrl(holder.cert, "lifted");
    expect(await mustOpenssl(["crl", "-in", liftedCrl, "-noout", "-text"])).not.toContain("Certificate Hold");
    const accepted = await verifyWithCrl(holder.cert, liftedCrl);
    expect(accepted.code, accepted.stderr + accepted.stdout).toBe(0);
    expect(await ocsp(holder.cert)).toMatch(/: good/);

    // The hold is gone for good: lifting it again is refused, and the certificate signs requests again.
    const again = await rr(holder, 8);
    expect(again.code).not.toBe(0);
  });

  it("makes a hold final only by a later revocation from who may revoke, which removeFromCRL cannot undo", async () => {
    const holder = await device.enroll("held-then-revoked");
    expect((await rr(holder, 6)).code).toBe(0);
    // A held certificate signs nothing but the lifting of its own hold.
    const bySelf = await rr(holder, 1);
    expect(bySelf.code).not.toBe(0);
    expect(await mustOpenssl(["crl", "-in", await fetchCrl(holder.cert, "still-held"), "-noout", "-text"])).toContain("Certificate Hold");

    const byRa = await device.cmp(["-cmd", "rr", "-ref", "ra", "-secret", "pass:ra-secret", "-oldcert", holder.cert, "-revreason", "1"], "ra");
    expect(byRa.code, byRa.stderr).toBe(0);
    const crl = await mustOpenssl(["crl", "-in", await fetchCrl(holder.cert, "final"), "-noout", "-text"]);
    expect(crl).toContain("Key Compromise");
    expect(crl).not.toContain("Certificate Hold");
    expect((await rr(holder, 8)).code).not.toBe(0);
  });
});

describe("the CRL over HTTP", () => {
  it("serves PEM on request, revalidates by ETag, answers HEAD, and 404 for another CA's name", async () => {
    const { cert } = await device.enroll("http");
    const [url] = await urisOf(cert, "crlDistributionPoints");
    const der = await fetch(url!);
    const etag = der.headers.get("etag")!;
    expect(der.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const notModified = await fetch(url!, { headers: { "if-none-match": etag } });
    expect(notModified.status).toBe(304);
    const pem = await fetch(`${url}.pem`);
    expect(await pem.text()).toMatch(/^-----BEGIN X509 CRL-----/);
    const accepted = await fetch(url!, { headers: { accept: "application/x-pem-file" } });
    expect(accepted.headers.get("content-type")).toBe("application/x-pem-file");
    const head = await fetch(url!, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect((await fetch(`${base}/crl/00112233.crl`)).status).toBe(404);
    expect((await fetch(`${base}/crl/whatever`)).status).toBe(404);
  });
});
