import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmpDevice, serialOf, type CmpDevice } from "../support/cmp_device.js";
import { freePort } from "../support/free_port.js";
import { cmpClientBinary, makeTempDir, mustOpenssl, opensslCmp, type OpensslResult, type TempDir } from "../support/openssl.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";
import { makeRootRollover, type RootRollover } from "../support/root_rollover.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// genm/genp (RFC 9483 §4.3) with real clients against the real Worker:
// OpenSSL 3.0 (the system's) and OpenSSL 3.5, which has a dedicated option
// for each support message. Two Workers: one with a root rollover
// configured, one without. The first knows its own URL (PUBLIC_BASE_URL), so
// the certificates it issues carry its CRL distribution point.

const SUBJECT = "/O=Jellyfish/CN=Genm Root CA";
let dir: TempDir;
let ca: OpensslCa;
let rollover: RootRollover;
let rolled: RunningWorker;
let plain: RunningWorker;
let device: CmpDevice;
const MAC = ["-ref", "device", "-secret", "pass:device-secret"];

/** `openssl cmp` 3.5 (test/support/openssl35_setup.ts installs it), without any openssl.cnf. */
function run35(args: readonly string[]): Promise<OpensslResult> {
  return opensslCmp(["-msg_timeout", "20", ...args], { client: "3.5", timeoutMs: 30_000 });
}

const server = (worker: RunningWorker) => ["-server", `${worker.url}/.well-known/cmp`];
const pem = async (path: string) => (await readFile(path, "utf8")).trim();

beforeAll(async () => {
  // Before anything else: without the 3.5 client these tests fail, they do not skip.
  cmpClientBinary("3.5");
  dir = await makeTempDir();
  ca = await opensslCa(dir.path, { name: "ca", subject: SUBJECT });
  rollover = makeRootRollover(await readFile(ca.certPath, "utf8"), await readFile(ca.keyPath, "utf8"), SUBJECT);
  const port = await freePort();
  const common = { caKey: await readFile(ca.keyPath, "utf8"), caCert: await readFile(ca.certPath, "utf8"), secrets: { device: "device-secret" } };
  rolled = await startWorker({
    ...common,
    port,
    vars: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, NEW_ROOT: rollover.newWithNew },
    config: { profiles: { default: {} }, rootCaUpdate: { newWithNew: "env:NEW_ROOT", newWithOld: rollover.newWithOld, oldWithNew: rollover.oldWithNew } },
  });
  plain = await startWorker(common);
  device = cmpDevice({ dir, endpoint: () => `${rolled.url}/.well-known/cmp`, reference: "device", secret: "device-secret" });
}, 300_000);

afterAll(async () => {
  await rolled?.stop();
  await plain?.stop();
  await dir?.remove();
});

function lastLog(worker: RunningWorker): Record<string, unknown> | undefined {
  return worker.logLines().filter((line) => line.bodyType === "genm").at(-1);
}

describe("OpenSSL 3.0 openssl cmp -cmd genm", () => {
  it("without -infotype 3.0 sends an empty genm (\"the CA may send any/all information\"): caCerts and signKeyPairTypes", async () => {
    const result = await device.cmp(["-cmd", "genm", ...MAC]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(lastLog(rolled)).toMatchObject({ responseType: "genp", outcome: "answered (empty)", senderKID: "device" });
    expect(result.stdout + result.stderr).toContain("genp contains ITAV of type: id-it-caCerts");
    expect(result.stdout + result.stderr).toContain("genp contains ITAV of type: id-it-signKeyPairTypes");
  });

  it("-infotype signKeyPairTypes and caCerts", async () => {
    for (const type of ["signKeyPairTypes", "caCerts"]) {
      const result = await device.cmp(["-cmd", "genm", ...MAC, "-infotype", type]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(lastLog(rolled)).toMatchObject({ responseType: "genp", outcome: `answered ${type}` });
      expect(result.stdout + result.stderr).toContain(`genp contains ITAV of type: id-it-${type}`);
    }
  });
});

describe("OpenSSL 3.5 openssl cmp -cmd genm", () => {
  it("-infotype caCerts -cacertsout: the CA certificate", async () => {
    const out = dir.file("cacerts.pem");
    const result = await run35([...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "caCerts", "-cacertsout", out]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await pem(out)).toBe(await pem(ca.certPath));
  });

  it("-infotype rootCaCert -oldwithold with a configured rollover: newWithNew, newWithOld, oldWithNew", async () => {
    const out = { nwn: dir.file("out-nwn.pem"), nwo: dir.file("out-nwo.pem"), own: dir.file("out-own.pem") };
    const result = await run35([
      ...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "rootCaCert", "-oldwithold", ca.certPath,
      "-newwithnew", out.nwn, "-newwithold", out.nwo, "-oldwithnew", out.own,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await pem(out.nwn)).toBe(rollover.newWithNew.trim());
    expect(await pem(out.nwo)).toBe(rollover.newWithOld.trim());
    expect(await pem(out.own)).toBe(rollover.oldWithNew.trim());
  });

  it("-infotype rootCaCert without a rollover: no update, nothing written", async () => {
    const out = dir.file("none-nwn.pem");
    const result = await run35([...server(plain), "-cmd", "genm", ...MAC, "-infotype", "rootCaCert", "-oldwithold", ca.certPath, "-newwithnew", out]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain("no root CA certificate update available");
    await expect(readFile(out)).rejects.toThrow();
  });

  it("-infotype certReqTemplate -template -keyspec", async () => {
    const template = dir.file("template.der");
    const keyspec = dir.file("keyspec.der");
    const result = await run35([...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "certReqTemplate", "-template", template, "-keyspec", keyspec]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // The client prints each keySpec entry: the default profile's key types.
    for (const line of ["parameter: OBJECT:prime256v1", "parameter: OBJECT:secp384r1", "Key algorithm: ED25519", "Key algorithm: RSA 2048", "Key algorithm: RSA 4096"]) {
      expect(result.stdout + result.stderr).toContain(line);
    }
    // The certTemplate holds what the default certificate profile fixes: its extendedKeyUsage (clientAuth, serverAuth).
    const saved = Buffer.from(await readFile(template)).toString("hex");
    expect(saved.startsWith("30")).toBe(true);
    expect(saved).toContain("06082b06010505070302");
    expect(saved).toContain("06082b06010505070301");
    const parsed = await mustOpenssl(["asn1parse", "-inform", "DER", "-in", keyspec]);
    expect(parsed).toContain("prime256v1");
  });

  it("-infotype crlStatusList -crlcert: our CRL for a certificate with our CDP; -oldcrl: a newer one only after a revocation", async () => {
    const enrolled = await device.enroll("crl-device");
    expect(await mustOpenssl(["x509", "-in", enrolled.cert, "-noout", "-ext", "crlDistributionPoints"])).toContain(`${rolled.url}/crl/`);
    const first = dir.file("crl1.pem");
    let result = await run35([...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "crlStatusList", "-crlcert", enrolled.cert, "-crlout", first]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["crl", "-in", first, "-noout", "-issuer"])).toContain("Genm Root CA");
    await mustOpenssl(["crl", "-in", first, "-CAfile", ca.certPath, "-noout"]);

    const unchanged = dir.file("crl2.pem");
    result = await run35([...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "crlStatusList", "-crlcert", enrolled.cert, "-oldcrl", first, "-crlout", unchanged]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toContain("no CRL update available");
    await expect(readFile(unchanged)).rejects.toThrow();

    // thisUpdate has whole seconds: the next CRL must not share the first one's.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const revoked = await device.cmp(["-cmd", "rr", "-cert", enrolled.cert, "-key", enrolled.key, "-oldcert", enrolled.cert, "-trusted", ca.certPath]);
    expect(revoked.code, revoked.stdout + revoked.stderr).toBe(0);
    const newer = dir.file("crl3.pem");
    result = await run35([...server(rolled), "-cmd", "genm", ...MAC, "-infotype", "crlStatusList", "-crlcert", enrolled.cert, "-oldcrl", first, "-crlout", newer]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await mustOpenssl(["crl", "-in", newer, "-noout", "-text"])).toUpperCase()).toContain((await serialOf(enrolled.cert)).toUpperCase());
  });

  it("signature-protected genm (the enrolled certificate signs): caCerts", async () => {
    const enrolled = await device.enroll("signing-device");
    const out = dir.file("cacerts-signed.pem");
    const result = await run35([...server(rolled), "-cmd", "genm", "-cert", enrolled.cert, "-key", enrolled.key, "-trusted", ca.certPath, "-infotype", "caCerts", "-cacertsout", out]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await pem(out)).toBe(await pem(ca.certPath));
  });
});
