import { encodeExplicit, encodeSequence, encodeTlv } from "../src/asn1/der.js";
import type { CertificateAuthority } from "../src/ca/authority.js";
import { createSelfSignedCa } from "../src/ca/self_signed.js";
import { digest } from "../src/crypto/digest.js";
import { parseCertificate } from "../src/crypto/parsed_certificate.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { subjectPublicKeyBits } from "../src/ocsp/cert_id.js";
import { answerOcsp, type OcspContext } from "../src/ocsp/responder.js";
import type { Store } from "../src/store/store.js";

/**
 * OCSP beside the engine's messages (bench/engine.ts): answerOcsp called
 * directly on the same MemoryStore the CMP messages filled, with requests as
 * `openssl ocsp` sends them (one SHA-1 CertID and a 16-byte nonce), for
 * certificates the engine issued. CPU per answer, two signers: the CA's
 * P-256 key, and a delegated local P-256 responder (whose certificate only
 * travels in the answer here: it is checked at start, not per request).
 */
export async function ocspSamples(ca: CertificateAuthority, store: Store, certificates: readonly Uint8Array[], count: number): Promise<Map<string, number[]>> {
  const responderSigner = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
  const responderCertificate = await createSelfSignedCa({ signer: responderSigner, subject: "CN=Bench OCSP responder", validitySeconds: 86_400, now: new Date() });
  const base: OcspContext = { ca, store, validitySeconds: 3600, now: () => new Date() };
  const variants: Array<[string, OcspContext]> = [
    ["OCSP, CA-signed (P-256)", base],
    ["OCSP, delegated responder (P-256)", { ...base, responder: { signer: responderSigner, certificates: [responderCertificate] } }],
  ];
  const requests = await Promise.all(certificates.map((certificate) => requestFor(ca, certificate)));
  const samples = new Map<string, number[]>();
  for (const [name, ctx] of variants) {
    // Warm-up: the cached issuer hashes and responder ID, JIT.
    for (const request of requests.slice(0, 5)) await answerOcsp(request, ctx);
    const list: number[] = [];
    for (let index = 0; index < count; index++) {
      const request = requests[index % requests.length]!;
      const before = process.cpuUsage();
      const answer = await answerOcsp(request, ctx);
      const used = process.cpuUsage(before);
      if (answer.outcome !== "successful") throw new Error(`${name}: ${answer.outcome} ${answer.reason ?? ""}`);
      list.push(used.user + used.system);
    }
    samples.set(name, list);
  }
  return samples;
}

const SHA1 = encodeSequence([Uint8Array.of(0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a), Uint8Array.of(0x05, 0x00)]);
const NONCE_OID = Uint8Array.of(0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02);

/** OCSPRequest { tbsRequest { requestList { Request { CertID } }, requestExtensions [2] { nonce } } } */
async function requestFor(ca: CertificateAuthority, certificate: Uint8Array): Promise<Uint8Array> {
  const issuer = parseCertificate(ca.certificate);
  const serial = new Uint8Array(parseCertificate(certificate).certificate.tbsCertificate.serialNumber);
  const certId = encodeSequence([
    SHA1,
    encodeTlv(0x04, [await digest("SHA-1", issuer.subject)]),
    encodeTlv(0x04, [await digest("SHA-1", subjectPublicKeyBits(issuer.spki))]),
    encodeTlv(0x02, [serial]),
  ]);
  const nonce = encodeSequence([NONCE_OID, encodeTlv(0x04, [encodeTlv(0x04, [crypto.getRandomValues(new Uint8Array(16))])])]);
  return encodeSequence([encodeSequence([encodeSequence([encodeSequence([certId])]), encodeExplicit(2, encodeSequence([nonce]))])]);
}
