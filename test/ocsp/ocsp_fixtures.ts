import { readFile, writeFile } from "node:fs/promises";
import { BasicOCSPResponse, OCSPResponse, ResponseData } from "@peculiar/asn1-ocsp";
import { AsnConvert } from "@peculiar/asn1-schema";
import { readChildren, readElement, encodeExplicit, encodeSequence, encodeTlv } from "../../src/asn1/der.js";
import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../../src/ca/local_key_pair.js";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { makeKey, mustOpenssl, openssl, type TempDir } from "../support/openssl.js";
import { opensslCa, type OpensslCa } from "../support/openssl_ca.js";

/**
 * What OCSP tests share: a CA made by openssl (so a delegated responder
 * certificate can be issued with `openssl ca`), requests made by
 * `openssl ocsp -reqout` or assembled here when openssl cannot make them,
 * and checks of answers with `openssl ocsp -respin`.
 */

export const OCSP_SIGNING = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=OCSPSigning", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];

export interface OcspFixture {
  dir: TempDir;
  openssl: OpensslCa;
  ca: CertificateAuthority;
  /** A delegated responder: key and certificate paths, and loaded. */
  responderKeyPath: string;
  responderCertPath: string;
  responder: KeyAndCertificates;
}

export async function ocspFixture(dir: TempDir, name = "ocsp-ca"): Promise<OcspFixture> {
  const ca = await opensslCa(dir.path, { name, subject: `/O=Jellyfish/CN=${name}` });
  const loaded = await loadLocalKeyAndCertificates(await readFile(ca.keyPath, "utf8"), await readFile(ca.certPath, "utf8"), { key: "key", certificates: "cert" });
  const responderKeyPath = await makeKey(dir.file(`${name}-responder.key.pem`));
  const responderCertPath = await ca.issue(`${name}-responder`, { subject: `/CN=${name} OCSP responder`, keyPath: responderKeyPath, extensions: OCSP_SIGNING });
  const responder = await loadLocalKeyAndCertificates(await readFile(responderKeyPath, "utf8"), await readFile(responderCertPath, "utf8"), { key: "key", certificates: "cert" });
  return {
    dir,
    openssl: ca,
    ca: { signer: loaded.signer, certificate: loaded.certificates[0]!, chain: loaded.certificates },
    responderKeyPath,
    responderCertPath,
    responder,
  };
}

let counter = 0;

/** `openssl ocsp -reqout` for serials (hex, e.g. "0a0b") of `issuerPath`'s certificates. */
export async function opensslRequest(dir: TempDir, issuerPath: string, serials: string[], options: { nonce?: boolean; digest?: string } = {}): Promise<{ der: Uint8Array; path: string }> {
  const path = dir.file(`request-${++counter}.der`);
  const args = ["ocsp", ...(options.digest ? [`-${options.digest}`] : []), "-issuer", issuerPath];
  for (const serial of serials) args.push("-serial", `0x${serial}`);
  args.push(options.nonce === false ? "-no_nonce" : "-nonce", "-reqout", path);
  await mustOpenssl(args);
  return { der: new Uint8Array(await readFile(path)), path };
}

/** `openssl ocsp -respin` with the request (for the nonce check) and the CA as trust anchor: its whole output. */
export async function opensslCheck(dir: TempDir, response: Uint8Array, request: { path: string }, caPath: string, extra: string[] = []): Promise<string> {
  const path = dir.file(`response-${++counter}.der`);
  await writeFile(path, response);
  const result = await openssl(["ocsp", "-respin", path, "-reqin", request.path, "-issuer", caPath, "-CAfile", caPath, "-resp_text", ...extra]);
  return result.stdout + result.stderr;
}

/** The CertIDs of a request openssl made: a ready-made, valid CertID for requests assembled by hand. */
export function certIdsOf(request: Uint8Array): Uint8Array[] {
  const tbs = readChildren(request, readElement(request, 0))[0]!;
  const list = readChildren(request, tbs).find((element) => element.tag === 0x30)!;
  return readChildren(request, list).map((entry) => {
    const certId = readChildren(request, entry)[0]!;
    return request.slice(certId.start, certId.end);
  });
}

const NONCE_OID = Uint8Array.of(0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02);

/** An Extension: SEQUENCE { OID, critical?, OCTET STRING value }. */
export function extension(oid: Uint8Array, value: Uint8Array, critical = false): Uint8Array {
  return encodeSequence(critical ? [oid, Uint8Array.of(0x01, 0x01, 0xff), encodeTlv(0x04, [value])] : [oid, encodeTlv(0x04, [value])]);
}

export function nonceExtension(nonce: Uint8Array, wrapped = true): Uint8Array {
  return extension(NONCE_OID, wrapped ? encodeTlv(0x04, [nonce]) : nonce);
}

/** An OCSPRequest assembled from parts, for what openssl will not send. */
export function buildRequest(options: { certIds: Uint8Array[]; requestExtensions?: Uint8Array[]; singleExtensions?: Uint8Array[]; version?: Uint8Array; signature?: Uint8Array }): Uint8Array {
  const requests = options.certIds.map((certId) =>
    encodeSequence(options.singleExtensions ? [certId, encodeExplicit(0, encodeSequence(options.singleExtensions))] : [certId]),
  );
  const tbs: Uint8Array[] = [];
  if (options.version) tbs.push(encodeExplicit(0, options.version));
  tbs.push(encodeSequence(requests));
  if (options.requestExtensions) tbs.push(encodeExplicit(2, encodeSequence(options.requestExtensions)));
  return encodeSequence(options.signature ? [encodeSequence(tbs), encodeExplicit(0, options.signature)] : [encodeSequence(tbs)]);
}

/** The answer decoded with @peculiar/asn1-ocsp: status, and for a successful one the BasicOCSPResponse and its ResponseData. */
export function decodeResponse(body: Uint8Array): { status: number; basic?: BasicOCSPResponse; data?: ResponseData } {
  const response = AsnConvert.parse(body, OCSPResponse);
  if (!response.responseBytes) return { status: response.responseStatus };
  const basicDer = new Uint8Array(response.responseBytes.response.buffer);
  const basic = AsnConvert.parse(basicDer, BasicOCSPResponse);
  const tbs = readChildren(basicDer, readElement(basicDer, 0))[0]!;
  const data = AsnConvert.parse(basicDer.slice(tbs.start, tbs.end), ResponseData);
  return { status: response.responseStatus, basic, data };
}
