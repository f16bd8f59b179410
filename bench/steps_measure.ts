import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert, AsnParser } from "@peculiar/asn1-schema";
import { parseDer } from "../src/asn1/parse_der.js";
import { parsePKIBody } from "../src/asn1/pki_body.js";
import { serializeDer } from "../src/asn1/serialize_der.js";
import { PKIHeader } from "../src/asn1/pki_header.js";
import { PBMParameter } from "../src/asn1/pbm.js";
import { hashByName } from "../src/crypto/algorithms.js";
import { hashRounds } from "../src/crypto/hash_rounds.js";
import { computeMac, importHmacKey } from "../src/crypto/hmac.js";
import { decodePbmParameter } from "../src/crypto/pbm.js";
import { verifySignature } from "../src/crypto/signature.js";
import { decodeRequest } from "../src/cmp/decode.js";
import { issueCertificate } from "../src/ca/certificate_builder.js";
import { loadConfig } from "../src/config/load.js";
import { makeTestCa } from "../test/support/engine_server.js";
import { ROOT } from "./targets.js";

/**
 * What the steps of a MAC enrollment cost on their own, on the requests
 * `openssl cmp` sent (test/fixtures/openssl), so that docs/performance.md
 * can say where the engine's time goes, and the crypto floor of one MAC
 * enrollment that `npm run bench` sets the engine against. Each figure is
 * the best of five rounds of CPU microseconds per call, after a warm-up:
 * the cost of the step itself, without GC or other noise. A function, so
 * that bench/steps.ts prints it and bench/run.ts puts it in the same run's
 * report.
 */

export interface StepsResult {
  /** Each step's CPU µs per call, in the order measured (names as printed; indented ones are parts of the one above). */
  steps: Array<{ step: string; microseconds: number }>;
  /** The crypto a MAC enrollment cannot avoid: 2 PBM keys + 4 HMACs + POP verify + CA signature, in µs. */
  cryptoFloorUs: number;
  floorParts: { pbmKeyUs: number; hmacUs: number; popUs: number; caSignatureUs: number };
}

/** `print` gets each step as a Markdown table row as it is measured. */
export async function measureSteps(print: (line: string) => void = () => undefined): Promise<StepsResult> {
  const fixture = (name: string) => new Uint8Array(readFileSync(join(ROOT, "test/fixtures/openssl", `${name}.der`)));
  const ir = decodeRequest(fixture("ir-mac-1-ir"))!;
  const certConf = decodeRequest(fixture("ir-mac-3-certConf"))!;
  const steps: StepsResult["steps"] = [];

  async function cost(name: string, calls: number, step: () => unknown): Promise<number> {
    for (let i = 0; i < Math.min(calls, 200); i++) await step();
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const before = process.cpuUsage();
      for (let i = 0; i < calls; i++) await step();
      const used = process.cpuUsage(before);
      best = Math.min(best, (used.user + used.system) / calls);
    }
    steps.push({ step: name, microseconds: best });
    print(`| ${name} | ${best.toFixed(0)} |`);
    return best;
  }

  await cost("decode an ir (split, PKIHeader, CertReqMessages)", 1000, () => decodeRequest(fixture("ir-mac-1-ir")));
  await cost("  of which PKIHeader", 1000, () => parseDer(ir.headerDer, PKIHeader));
  await cost("  of which the ir body", 1000, () => parsePKIBody(ir.bodyDer));
  await cost("decode a certConf", 1000, () => decodeRequest(fixture("ir-mac-3-certConf")));
  const pbm = decodePbmParameter(ir.message.header.protectionAlg!.parameters);
  await cost("PBMParameter decode", 1000, () => decodePbmParameter(ir.message.header.protectionAlg!.parameters));
  const pbmKey = await cost(`PBM key, ${pbm.iterationCount} rounds of SHA-256`, 200, () => hashRounds(hashByName("SHA-256"), new Uint8Array(32), Number(pbm.iterationCount) - 1));
  const key = await importHmacKey(new Uint8Array(32), hashByName("SHA-256"));
  const hmac = await cost("HMAC-SHA256 over the ir's ProtectedPart", 2000, () => computeMac(key, ir.bodyDer));

  // POP: the ir's own signature over certReq, with the template's key.
  const message = ir.message.body.ir![0]!;
  const spki = new Uint8Array(AsnConvert.serialize(message.certReq.certTemplate.publicKey!));
  const popo = message.popo!.signature!;
  const pop = await cost("POP: import the new key and verify (WebCrypto ECDSA P-256)", 500, () =>
    verifySignature(spki, popo.algorithmIdentifier, message.certReqRaw!, new Uint8Array(popo.signature), { parsedKey: message.certReq.certTemplate.publicKey }));
  await cost("PKIHeader encode (the project's DER encoder)", 1000, () => serializeDer(ir.message.header));
  await cost("PBMParameter encode (the project's DER encoder)", 1000, () => serializeDer(new PBMParameter(pbm)));
  await cost("certConf: PKIHeader decode", 1000, () => parseDer(certConf.headerDer, PKIHeader));
  // The same three through asn1js, as before issue 15, for comparison.
  await cost("PKIHeader decode, AsnParser (asn1js)", 1000, () => AsnParser.parse(ir.headerDer, PKIHeader));
  await cost("PKIHeader encode, AsnConvert.serialize (asn1js)", 1000, () => AsnConvert.serialize(ir.message.header));
  await cost("PBMParameter encode, AsnConvert.serialize (asn1js)", 1000, () => AsnConvert.serialize(new PBMParameter(pbm)));

  // Issuing: the certificate the ir asks for, built and signed by a local P-256 CA.
  const { ca } = await makeTestCa("P-256", "CN=Steps CA");
  const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
  const profile = config.profiles.get(config.defaultProfile)!;
  await cost("issue the certificate (TBSCertificate, extensions, local ECDSA P-256 signature)", 300, () =>
    issueCertificate({ ca, subject: message.certReq.certTemplate.subject!, subjectPublicKeyInfo: spki, profile: profile.certificate, now: new Date() }));
  const caSignature = await cost("  of which the CA's ECDSA P-256 signature alone (WebCrypto)", 1000, () =>
    ca.signer.sign(new Uint8Array(400)));

  // The crypto a MAC enrollment cannot avoid, whatever decodes and encodes the
  // DER: a PBM key for the ir and one for the certConf (openssl cmp draws a new
  // salt for each message), an HMAC to check each request and one to protect
  // each answer, the POP check and the CA's signature.
  const cryptoFloorUs = 2 * pbmKey + 4 * hmac + pop + caSignature;
  return { steps, cryptoFloorUs, floorParts: { pbmKeyUs: pbmKey, hmacUs: hmac, popUs: pop, caSignatureUs: caSignature } };
}
