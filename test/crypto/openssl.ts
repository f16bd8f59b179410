// PBM-specific exchanges with the real `openssl cmp`, run through the shared
// runner in test/support/openssl.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readChildren, readElement } from "../../src/asn1/der.js";
import { mustOpensslSync } from "../support/openssl.js";
import { bytesOf } from "./der.js";

export interface PbmMessageOptions {
  /** -digest: the PBM one-way function, e.g. "sha256". */
  digest: string;
  /** -mac: the PBM MAC, e.g. "hmac-sha1", "hmacWithSHA512". */
  mac: string;
  secret: string;
}

/** `openssl cmp` against its mock server takes longer than the runner's default allows for. */
const CMP_TIMEOUT_MS = 60_000;

/**
 * A real PBM-protected ir made by `openssl cmp` against its internal mock
 * server, and the mock server's PBM-protected ip. The mock server returns a
 * certificate for the new key so the exchange completes.
 */
export function opensslPbmExchange(dir: string, name: string, options: PbmMessageOptions): { ir: Uint8Array; ip: Uint8Array } {
  const run = (args: string[]) => mustOpensslSync(args, { cwd: dir, timeoutMs: CMP_TIMEOUT_MS });
  const key = `${name}.key`;
  run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  run(["req", "-x509", "-new", "-key", key, "-subj", "/CN=x", "-days", "1", "-out", `${name}.crt`]);
  const ir = `${name}.ir.der`;
  const ip = `${name}.ip.der`;
  run([
    "cmp", "-config", "", "-use_mock_srv", "-cmd", "ir", "-ref", "1234",
    "-secret", `pass:${options.secret}`, "-srv_secret", `pass:${options.secret}`, "-srv_ref", "5678",
    "-digest", options.digest, "-mac", options.mac,
    "-newkey", key, "-subject", "/CN=x", "-recipient", "/CN=ca",
    "-rsp_cert", `${name}.crt`, "-certout", `${name}.out.crt`,
    "-reqout", ir, "-rspout", ip,
  ]);
  return { ir: new Uint8Array(readFileSync(join(dir, ir))), ip: new Uint8Array(readFileSync(join(dir, ip))) };
}

/** The pieces of a PKIMessage that MAC protection needs, cut out of the DER as received. */
export function splitPkiMessage(message: Uint8Array): { header: Uint8Array; body: Uint8Array; protectionAlg: Uint8Array; protection: Uint8Array } {
  const [header, body, protection] = readChildren(message, readElement(message, 0));
  if (!header || !body || !protection || protection.tag !== 0xa0) throw new Error("not a protected PKIMessage");
  // PKIHeader's protectionAlg is [1] EXPLICIT AlgorithmIdentifier (RFC 9810 §5.1.1).
  const tagged = readChildren(message, header).find((t) => t.tag === 0xa1);
  if (!tagged) throw new Error("PKIHeader without protectionAlg");
  const [algId] = readChildren(message, tagged);
  const [bitString] = readChildren(message, protection);
  if (!algId || !bitString || bitString.tag !== 0x03) throw new Error("bad protection");
  // The first content octet of a BIT STRING counts unused bits; a MAC has none.
  const protectionBits = message.slice(bitString.contentStart + 1, bitString.end);
  return { header: bytesOf(message, header), body: bytesOf(message, body), protectionAlg: bytesOf(message, algId), protection: protectionBits };
}
