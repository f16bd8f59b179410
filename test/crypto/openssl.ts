import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesOf, children, readTlv } from "./der.js";

/** Run the `openssl` command line in `cwd`; throws with its stderr on failure. */
export function openssl(args: string[], cwd: string, input?: Uint8Array): Buffer {
  return execFileSync("openssl", args, { cwd, input, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
}

/** A temporary directory for one test file; call `remove()` in afterAll. */
export function tempDir(): { path: string; file(name: string): string; read(name: string): Uint8Array; write(name: string, data: Uint8Array | string): void; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "jellyfish-crypto-"));
  return {
    path,
    file: (name) => join(path, name),
    read: (name) => new Uint8Array(readFileSync(join(path, name))),
    write: (name, data) => writeFileSync(join(path, name), data),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface PbmMessageOptions {
  /** -digest: the PBM one-way function, e.g. "sha256". */
  digest: string;
  /** -mac: the PBM MAC, e.g. "hmac-sha1", "hmacWithSHA512". */
  mac: string;
  secret: string;
}

/**
 * A real PBM-protected ir made by `openssl cmp` against its internal mock
 * server, and the mock server's PBM-protected ip. The mock server returns a
 * certificate for the new key so the exchange completes.
 */
export function opensslPbmExchange(dir: string, name: string, options: PbmMessageOptions): { ir: Uint8Array; ip: Uint8Array } {
  const key = `${name}.key`;
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], dir);
  openssl(["req", "-x509", "-new", "-key", key, "-subj", "/CN=x", "-days", "1", "-out", `${name}.crt`], dir);
  const ir = `${name}.ir.der`;
  const ip = `${name}.ip.der`;
  openssl(
    [
      "cmp", "-config", "", "-use_mock_srv", "-cmd", "ir", "-ref", "1234",
      "-secret", `pass:${options.secret}`, "-srv_secret", `pass:${options.secret}`, "-srv_ref", "5678",
      "-digest", options.digest, "-mac", options.mac,
      "-newkey", key, "-subject", "/CN=x", "-recipient", "/CN=ca",
      "-rsp_cert", `${name}.crt`, "-certout", `${name}.out.crt`,
      "-reqout", ir, "-rspout", ip,
    ],
    dir,
  );
  return { ir: new Uint8Array(readFileSync(join(dir, ir))), ip: new Uint8Array(readFileSync(join(dir, ip))) };
}

/** The pieces of a PKIMessage that MAC protection needs, cut out of the DER as received. */
export function splitPkiMessage(message: Uint8Array): { header: Uint8Array; body: Uint8Array; protectionAlg: Uint8Array; protection: Uint8Array } {
  const [header, body, protection] = children(message, readTlv(message));
  if (!header || !body || !protection || protection.tag !== 0xa0) throw new Error("not a protected PKIMessage");
  // PKIHeader's protectionAlg is [1] EXPLICIT AlgorithmIdentifier (RFC 9810 §5.1.1).
  const tagged = children(message, header).find((t) => t.tag === 0xa1);
  if (!tagged) throw new Error("PKIHeader without protectionAlg");
  const [algId] = children(message, tagged);
  const [bitString] = children(message, protection);
  if (!algId || !bitString || bitString.tag !== 0x03) throw new Error("bad protection");
  // The first content octet of a BIT STRING counts unused bits; a MAC has none.
  const protectionBits = message.slice(bitString.contentStart + 1, bitString.end);
  return { header: bytesOf(message, header), body: bytesOf(message, body), protectionAlg: bytesOf(message, algId), protection: protectionBits };
}
