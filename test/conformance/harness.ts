import { webcrypto } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Extensions, Name, SubjectPublicKeyInfo, type Extension } from "@peculiar/asn1-x509";
import { expect } from "vitest";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import type { Attribute } from "@peculiar/asn1-x509";
import { CertTemplate } from "../../src/asn1/cert_template.js";
import { CertReqMessages, CertReqMsg, CertRequest } from "../../src/asn1/cert_req_messages.js";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import type { InfoTypeAndValue } from "../../src/asn1/info_type_and_value.js";
import { PKIBody, bodyType, type PKIBodyType } from "../../src/asn1/pki_body.js";
import { PKIMessage } from "../../src/asn1/pki_message.js";
import { PVNO } from "../../src/asn1/pki_header.js";
import { PKIStatus, type PKIStatusInfo } from "../../src/asn1/pki_status.js";
import { POPOSigningKey, ProofOfPossession } from "../../src/asn1/proof_of_possession.js";
import { encodeRequest, type RequestHeader } from "../../src/client/request_message.js";
import { outgoingProtection, type OutgoingProtection } from "../../src/client/outgoing_protection.js";
import { certConfBody } from "../../src/client/cert_conf.js";
import type { CmpAnswer } from "../../src/cmp/engine_types.js";
import { parseDistinguishedName } from "../../src/ca/distinguished_name.js";
import { LocalSigner, generateLocalKey, type LocalKeyKind } from "../../src/kms/local.js";
import { checkAnswer } from "../../fuzz/oracle.js";
import { makeTarget, material, REFERENCE, SECRET, type Target } from "../../fuzz/target.js";

// The conformance tests' one way to talk to the engine: build a request the
// way a strict RFC 9483 client would (or break one rule of it on purpose),
// send it in-process, and read the answer as the client would, together
// with what the request changed in the store.

/** The fixtures' CA, the MAC reference and secret, and device0's certificate (which signs). */
export interface Conformance {
  target: Target;
  mac: OutgoingProtection;
  signature: OutgoingProtection;
  caName: Name;
  caCertificate: Uint8Array;
  /** device0's certificate, issued by the CA and recorded as confirmed. */
  clientCertificate: Uint8Array;
  /** Build a protected PKIMessage around `body` (DER PKIBody). */
  request(body: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** Send bytes to a profile and read the answer. */
  send(message: Uint8Array, profile?: string): Promise<Answer>;
}

export interface RequestOptions {
  protection?: "mac" | "signature" | OutgoingProtection;
  header?: Partial<RequestHeader>;
}

/** What came back, as a client reads it, and what the request changed. */
export interface Answer {
  httpStatus: number;
  message: PKIMessage;
  type: PKIBodyType;
  /** The status of the answer's first PKIStatusInfo (error, ip/cp/kup, rp). */
  status?: PKIStatus;
  failInfo: string[];
  statusString: string;
  /** Store keys whose value the request changed. */
  changed: string[];
  answer: CmpAnswer;
}

export const SUBJECT = "CN=conformance";

export async function conformance(profiles?: Record<string, unknown>): Promise<Conformance> {
  const target = await makeTarget({}, profiles);
  const [caCertificate] = decodeCertificatesPem(material("ca.pem"));
  const [clientCertificate] = decodeCertificatesPem(material("client.pem"));
  const randomBytes = (length: number) => webcrypto.getRandomValues(new Uint8Array(length));
  const mac = outgoingProtection({ mac: { reference: REFERENCE, secret: SECRET, algorithm: "pbm" } }, randomBytes);
  const clientSigner = await LocalSigner.fromPkcs8(material("client.key.pem"));
  const signature = outgoingProtection({ signature: { signer: clientSigner, certificates: [clientCertificate!] } }, randomBytes);
  const caName = AsnConvert.parse(caCertificate!, Certificate).tbsCertificate.subject;
  return {
    target,
    mac,
    signature,
    caName,
    caCertificate: caCertificate!,
    clientCertificate: clientCertificate!,
    async request(body, options = {}) {
      const protection = options.protection === "signature" ? signature : options.protection === "mac" || !options.protection ? mac : options.protection;
      target.clock.now = new Date();
      const header: RequestHeader = {
        pvno: PVNO.cmp2000,
        sender: protection.sender ?? new Name([]),
        recipient: caName,
        now: target.clock.now,
        transactionID: randomBytes(16),
        senderNonce: randomBytes(16),
        ...options.header,
      };
      return encodeRequest(header, body, protection);
    },
    async send(message, profile = "default") {
      target.store.begin();
      target.warnings.length = 0;
      const answer = await target.handle(message, profile);
      // No escaped exception, no systemFailure, DER out (the fuzzer's oracle).
      expect(await checkAnswer(target, { answer })).toBeUndefined();
      const parsed = AsnConvert.parse(answer.body, PKIMessage);
      const type = bodyType(parsed.body);
      const info = statusInfoOf(parsed.body, type);
      return {
        httpStatus: answer.httpStatus,
        message: parsed,
        type,
        status: info?.status,
        failInfo: info?.failInfo?.toNames() ?? [],
        statusString: info?.statusString?.join(" ") ?? "",
        changed: await target.store.changedKeys(),
        answer,
      };
    },
  };
}

function statusInfoOf(body: PKIBody, type: PKIBodyType): PKIStatusInfo | undefined {
  switch (type) {
    case "error":
      return body.error!.pKIStatusInfo;
    case "ip":
    case "cp":
    case "kup":
      return body[type]!.response[0]?.status;
    case "rp":
      return body.rp!.status[0];
    default:
      return undefined;
  }
}

/**
 * A refusal as every conformance test checks it: HTTP 200, the body type
 * that answers (error, or the request's ip/cp/kup/rp), status rejection, the
 * one failInfo bit, a reason, and nothing stored.
 */
export function expectRefusal(answer: Answer, type: PKIBodyType, failInfo: string, reason: RegExp): void {
  expect(answer.httpStatus).toBe(200);
  expect(answer.type).toBe(type);
  expect(answer.status).toBe(PKIStatus.rejection);
  expect(answer.failInfo).toEqual([failInfo]);
  expect(answer.statusString).toMatch(reason);
  expect(answer.changed).toEqual([]);
}

/** A fresh key pair: its signer (for the POP) and its DER SubjectPublicKeyInfo. */
export async function newKey(kind: LocalKeyKind = "P-256"): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey(kind)).pkcs8);
}

/** What a CertReqMsg carries; everything a test leaves out is what a good client sends. */
export interface CertRequestParts {
  key?: LocalSigner;
  subject?: string | null;
  extensions?: Extension[];
  certReqId?: number;
  /** Replace the template, after the defaults are filled in. */
  template?: (template: CertTemplate) => void;
  /** Replace the proof of possession; it receives certReq's DER and the key. */
  popo?: (certReq: Uint8Array, key: LocalSigner) => Promise<ProofOfPossession | undefined>;
  /** Further CertReqMsgs after the first. */
  more?: number;
}

/** ir/cr/kur with one CertReqMsg whose POP is a signature over certReq (RFC 4211 §4.1). */
export async function certRequestBody(type: "ir" | "cr" | "kur", parts: CertRequestParts = {}): Promise<Uint8Array> {
  const key = parts.key ?? (await newKey());
  const messages: CertReqMsg[] = [];
  for (let index = 0; index <= (parts.more ?? 0); index++) {
    const template = new CertTemplate({
      subject: parts.subject === null ? undefined : nameOf(parts.subject ?? SUBJECT),
      publicKey: AsnConvert.parse(key.publicKey, SubjectPublicKeyInfo),
      extensions: parts.extensions && parts.extensions.length > 0 ? new Extensions(parts.extensions) : undefined,
    });
    parts.template?.(template);
    const certReq = new CertRequest({ certReqId: (parts.certReqId ?? 0) + index, certTemplate: template });
    const certReqDer = new Uint8Array(AsnConvert.serialize(certReq));
    const popo = parts.popo
      ? await parts.popo(certReqDer, key)
      : new ProofOfPossession({
          signature: new POPOSigningKey({ algorithmIdentifier: key.algorithm, signature: (await key.sign(certReqDer)).slice().buffer as ArrayBuffer }),
        });
    messages.push(new CertReqMsg({ certReq, popo }));
  }
  return new Uint8Array(AsnConvert.serialize(new PKIBody({ [type]: new CertReqMessages(messages) })));
}

/** What a CSR carries; everything left out is what a good client sends. */
export interface CsrParts {
  key?: LocalSigner;
  subject?: string;
  version?: number;
  /** Attributes of certificationRequestInfo, e.g. an extensionRequest. */
  attributes?: Attribute[];
}

/** p10cr [4] with a PKCS #10 CSR signed by its own key (RFC 2986 §4, RFC 9483 §4.1.4). */
export async function p10crRequestBody(parts: CsrParts = {}): Promise<Uint8Array> {
  const key = parts.key ?? (await newKey());
  const info = new CertificationRequestInfo({
    version: parts.version ?? 0,
    subject: nameOf(parts.subject ?? SUBJECT),
    subjectPKInfo: AsnConvert.parse(key.publicKey, SubjectPublicKeyInfo),
    attributes: new Attributes(parts.attributes ?? []),
  });
  const signature = await key.sign(new Uint8Array(AsnConvert.serialize(info)));
  const csr = new CertificationRequest({ certificationRequestInfo: info, signatureAlgorithm: key.algorithm, signature: signature.slice().buffer as ArrayBuffer });
  return new Uint8Array(AsnConvert.serialize(new PKIBody({ p10cr: csr })));
}

/** An RFC 4514 string as a Name. */
export function nameOf(text: string): Name {
  return parseDistinguishedName(text);
}

/** The certificate an ip/cp/kup carries (DER), or undefined. */
export function issuedCertificate(answer: Answer): Uint8Array | undefined {
  const response = answer.message.body[answer.type as "ip" | "cp" | "kup"]?.response[0];
  const certificate = response?.certifiedKeyPair?.certOrEncCert.certificate;
  return certificate ? new Uint8Array(certificate) : undefined;
}

/** certConf accepting the certificate of `answer`, continuing its transaction. */
export async function confirm(c: Conformance, request: Uint8Array, answer: Answer, options: RequestOptions = {}): Promise<Uint8Array> {
  const certificate = issuedCertificate(answer)!;
  const sent = AsnConvert.parse(request, PKIMessage).header;
  const signatureAlgorithm = AsnConvert.parse(certificate, Certificate).signatureAlgorithm;
  const body = await certConfBody(certificate, signatureAlgorithm, answer.message.body[answer.type as "ip"]!.response[0]!.certReqId);
  return c.request(body, {
    ...options,
    header: {
      transactionID: new Uint8Array(sent.transactionID!),
      recipNonce: new Uint8Array(answer.message.header.senderNonce!),
      ...options.header,
    },
  });
}

export { PKIStatus };
