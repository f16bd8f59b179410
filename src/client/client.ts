import { randomBytes as pooledRandomBytes } from "../crypto/random_pool.js";
import { Name, type Extension } from "@peculiar/asn1-x509";
import { bytesEqual } from "../asn1/bytes.js";
import type { Signer } from "../kms/signer.js";
import { CERT_REQ_ID, certReqMessagesBody, p10crBody } from "./cert_request.js";
import type { ClientContext } from "./context.js";
import { csrParts } from "./csr.js";
import { enroll, type EnrollmentResult } from "./enrollment.js";
import { genmBody, readGeneralResponse, type InfoItem } from "./general_message.js";
import { DEFAULTS, type CmpClientOptions } from "./options.js";
import { outgoingProtection } from "./outgoing_protection.js";
import { responseTrust } from "./response_protection.js";
import { readRevocationResponse, rrBody, type RevocationReason } from "./revocation.js";
import type { StatusInfo } from "./status.js";
import { subjectAltNames, subjectName, updatedCertificate } from "./template_fields.js";
import { Transaction } from "./transaction.js";
import { sendBatch, sendWithAddedProtection } from "./nesting.js";
import { certProfileInfo } from "./cert_profile.js";
import { exchangeAllowingDelay } from "./polling.js";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import type { KeyType } from "../config/profile.js";
import type { RecipientKey } from "../cms/open_enveloped_data.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";

/** p10cr has no CertReqMsg, so its CertResponse and certConf use certReqId -1 (RFC 9810 §5.3.4, §5.3.18). */
const P10CR_CERT_REQ_ID = -1;

export interface CertificateRequest {
  /** The subject, "CN=device,O=Example" (RFC 4514) or "/O=Example/CN=device". */
  subject?: string;
  /** SubjectAltNames in OpenSSL's notation: "DNS:host.example", "IP:192.0.2.1", "email:...", "URI:...". */
  subjectAltNames?: string[];
  /** The key to certify: its signer makes the proof of possession (RFC 4211 §4.1). Exactly one of key and centralKeyGeneration. */
  key?: { signer: Signer; publicKey?: Uint8Array };
  /**
   * Ask the server to generate the key pair (RFC 9483 §4.1.6); the result's
   * privateKey holds it. keyType: the type to ask for (absent: the
   * server's choice). With signature protection, decryptionKey is the
   * PKCS #8 private key of the protection certificate, which the server
   * encrypts the new key for (a Signer cannot decrypt); with a MAC, the
   * shared secret opens it. The request goes out as pvno 3 (RFC 9483 §3.1:
   * EnvelopedData is expected).
   */
  centralKeyGeneration?: { keyType?: KeyType; decryptionKey?: Uint8Array };
  /** The certificate profile to ask for, in generalInfo id-it-certProfile (RFC 9810 §5.1.1.4; openssl cmp -profile). */
  certProfile?: string;
}

export interface KeyUpdateRequest extends CertificateRequest {
  /** The certificate being updated; default: our protection certificate (RFC 9483 §4.1.3 signs kur with it). */
  oldCertificate?: Uint8Array;
}

export interface RevocationRequest {
  certificate: Uint8Array;
  reason?: RevocationReason;
}

export interface RevocationResult {
  status: StatusInfo;
  extraCerts: Uint8Array[];
}

export interface GeneralMessageResult {
  infos: InfoItem[];
  extraCerts: Uint8Array[];
}

/**
 * A CMP client (RFC 9810, the Lightweight CMP profile RFC 9483, over HTTP
 * RFC 9811) on WebCrypto and fetch alone, so it runs in Workers, Node and
 * browsers. Each operation is one transaction; every answer is checked as
 * OpenSSL's `openssl cmp` checks it (see transaction.ts), and every failure
 * is a CmpClientError.
 */
export class CmpClient {
  readonly #context: ClientContext;

  constructor(options: CmpClientOptions) {
    const randomBytes = options.randomBytes ?? pooledRandomBytes;
    const now = options.now ?? (() => new Date());
    const fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const pvno = options.pvno ?? DEFAULTS.pvno;
    if (pvno !== 2 && pvno !== 3) throw new TypeError(`pvno must be 2 or 3, not ${String(pvno)}`);
    const protection = outgoingProtection(options.protection, randomBytes);
    this.#context = {
      transport: {
        url: options.url,
        fetch: fetchFunction,
        timeoutMs: options.messageTimeoutMs ?? DEFAULTS.messageTimeoutMs,
        maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      },
      protection,
      trust: responseTrust(options.trust, protection.secret, now, protection.sentMacKey),
      pvno,
      // RFC 9483 §3.1: the recipient names the CA; without one configured, our certificate's issuer is the best guess.
      recipient: options.recipient !== undefined ? subjectName(options.recipient) : (protection.issuer ?? new Name()),
      now,
      randomBytes,
      implicitConfirm: options.implicitConfirm ?? false,
      pollLimitMs: options.pollLimitMs ?? DEFAULTS.pollLimitMs,
    };
  }

  /** Initial registration (ir/ip, RFC 9483 §4.1.1): a first certificate, usually with MAC protection. */
  async ir(request: CertificateRequest): Promise<EnrollmentResult> {
    return this.#certRequest("ir", request);
  }

  /** Certification request (cr/cp, RFC 9483 §4.1.2): another certificate, signed with one we hold. */
  async cr(request: CertificateRequest): Promise<EnrollmentResult> {
    return this.#certRequest("cr", request);
  }

  /**
   * Key update (kur/kup, RFC 9483 §4.1.3): a certificate for a new key that
   * replaces `oldCertificate`, whose subject and subjectAltName it keeps
   * unless others are given.
   */
  async kur(request: KeyUpdateRequest): Promise<EnrollmentResult> {
    const old = request.oldCertificate ?? this.#context.protection.certificate;
    if (!old) throw new TypeError("kur needs the certificate being updated: oldCertificate, or signature protection with it");
    return this.#certRequest("kur", request, updatedCertificate(old));
  }

  /** PKCS #10 request (p10cr/cp, RFC 9483 §4.1.4): the CSR's signature is the proof of possession. */
  async p10cr(request: { csr: Uint8Array; certProfile?: string }): Promise<EnrollmentResult> {
    const { subject, publicKey } = csrParts(request.csr);
    return enroll(this.#context, {
      type: "p10cr",
      body: p10crBody(request.csr),
      certReqId: P10CR_CERT_REQ_ID,
      publicKey,
      sender: this.#context.protection.sender ?? decodeDer(subject, Name),
      certProfile: request.certProfile,
    });
  }

  /**
   * Revocation (rr/rp, RFC 9483 §4.2) of a certificate, by its issuer and
   * serial number; polled for while the server says waiting (RFC 9483 §4.4).
   */
  async rr(request: RevocationRequest): Promise<RevocationResult> {
    const transaction = new Transaction(this.#context, this.#context.protection.sender ?? new Name());
    const response = await exchangeAllowingDelay(transaction, rrBody(request.certificate, request.reason), "rp", this.#context.pollLimitMs);
    return { status: readRevocationResponse(response), extraCerts: response.extraCertsDer.map((der) => der.slice()) };
  }

  /**
   * General message (genm/genp, RFC 9483 §4.3): ask by infoType OID (e.g.
   * id-it-caCerts), get the genp's items; polled for while the server says
   * waiting (RFC 9483 §4.4). `certProfiles`: the certificate profile for
   * each infoType, in order (RFC 9810 §5.1.1.4), e.g. for id-it-certReqTemplate.
   */
  async genm(request: { infoTypes: readonly (string | InfoItem)[]; certProfiles?: readonly string[] }): Promise<GeneralMessageResult> {
    const transaction = new Transaction(this.#context, this.#context.protection.sender ?? new Name());
    const profile = certProfileInfo(request.certProfiles);
    const response = await exchangeAllowingDelay(transaction, genmBody(request.infoTypes), "genp", this.#context.pollLimitMs, profile ? [profile] : undefined);
    return { infos: readGeneralResponse(response), extraCerts: response.extraCertsDer.map((der) => der.slice()) };
  }

  /** What opens a centrally generated key: the MAC secret, or the protection certificate's private key. */
  #keyRecipient(options: NonNullable<CertificateRequest["centralKeyGeneration"]>): RecipientKey {
    const { protection } = this.#context;
    if (protection.secret) return { kind: "password", secret: protection.secret };
    if (!options.decryptionKey || !protection.certificate) {
      throw new TypeError("central key generation with signature protection needs centralKeyGeneration.decryptionKey, the protection key as PKCS #8");
    }
    return { kind: "privateKey", privateKey: options.decryptionKey, spki: parseCertificate(protection.certificate).spki };
  }

  /**
   * As a registration authority (RFC 9483 §5.2.2.2): end entities' messages
   * in one nested message signed with this client's key; their answers, in
   * the same order, from the CA's signed nest. Needs signature protection.
   */
  async batch(messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return sendBatch(this.#context, this.#raSender(), messages);
  }

  /** As a registration authority (RFC 9483 §5.2.2.1): one end entity's message with our signature added; its answer, for the end entity to check. */
  async addProtection(message: Uint8Array): Promise<Uint8Array> {
    return sendWithAddedProtection(this.#context, this.#raSender(), message);
  }

  #raSender(): Name {
    const sender = this.#context.protection.sender;
    if (!sender || this.#context.protection.secret) throw new TypeError("a registration authority signs what it nests (RFC 9483 §5.2.2): use signature protection");
    return sender;
  }

  async #certRequest(
    type: "ir" | "cr" | "kur",
    request: CertificateRequest,
    updated?: ReturnType<typeof updatedCertificate>,
  ): Promise<EnrollmentResult> {
    if ((request.key === undefined) === (request.centralKeyGeneration === undefined)) {
      throw new TypeError("give exactly one of key (a key to certify) and centralKeyGeneration (the server generates it)");
    }
    const signer = request.key?.signer;
    const publicKey = request.key ? (request.key.publicKey ?? request.key.signer.publicKey) : undefined;
    if (signer && publicKey && !bytesEqual(publicKey, signer.publicKey)) throw new TypeError("key.publicKey is not the public key of key.signer");
    const centralKey = request.centralKeyGeneration ? { recipient: this.#keyRecipient(request.centralKeyGeneration) } : undefined;
    const subject = request.subject !== undefined ? subjectName(request.subject) : updated?.subject;
    const extensions: Extension[] = [];
    const names = request.subjectAltNames?.length ? subjectAltNames(request.subjectAltNames, subject) : updated?.subjectAltName;
    if (names) extensions.push(names);
    const body = await certReqMessagesBody(type, {
      subject,
      extensions,
      publicKey,
      popSigner: signer,
      oldCertId: updated?.oldCertId,
      centralKeyType: request.centralKeyGeneration?.keyType,
    });
    // RFC 9483 §3.1: pvno 3 when the answer is to carry EnvelopedData.
    return enroll(centralKey ? { ...this.#context, pvno: 3 } : this.#context, {
      type,
      body,
      certReqId: CERT_REQ_ID,
      publicKey,
      centralKey,
      // RFC 9483 §3.1: a signed message's sender is its certificate's subject; with a MAC, the subject we ask for.
      sender: this.#context.protection.sender ?? subject ?? new Name(),
      certProfile: request.certProfile,
    });
  }
}
