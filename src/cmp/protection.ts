import { sameEncoding } from "../asn1/reencode.js";
import type { Certificate } from "@peculiar/asn1-x509";
import { CmpError } from "../asn1/pki_failure_info.js";
import { protectedPart } from "../asn1/pki_message.js";
import { CERTIFICATE_HOLD, REMOVE_FROM_CRL, getCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import { requestedReason } from "./revocation_details.js";
import { CRLReasons } from "@peculiar/asn1-x509";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import { serialNumberHex } from "../ca/serial_number.js";
import type { Limits, Profile } from "../config/profile.js";
import { prepareTrustAnchors, validateCertificatePath, type TrustAnchors } from "../crypto/cert_path.js";
import { parseCertificate, type ParsedCertificate } from "../crypto/parsed_certificate.js";
import { senderNameDer } from "../asn1/header_fields.js";
import { digest } from "../crypto/digest.js";
import { prepareMac, type MacKey } from "../crypto/mac_protection.js";
import { protectionKind } from "./protection_algorithm.js";
import { verifySignature } from "../crypto/signature.js";
import type { CertificateAuthority } from "../ca/authority.js";
import type { Store } from "../store/store.js";
import { getEndEntity } from "../ca/end_entity_store.js";
import { allowsProfile } from "../ca/end_entity.js";
import type { Sealed, SecretSealer } from "../crypto/sealed_secret.js";
import type { DecodedRequest } from "./decode.js";
import { transactionKey, type TransactionRecord } from "./transaction.js";
import { requestedUsername } from "./username.js";
import { bytesEqual, toHex } from "../asn1/bytes.js";

/**
 * Who sent a request, as established by its protection (RFC 9810 §5.1.3).
 * `identity` keys the sender's state: the same sender always maps to it.
 */
export type Credentials = MacCredentials | SignatureCredentials;

interface Authenticated {
  identity: string;
  /** A registration authority this profile trusts: may send raVerified and revoke others' certificates. */
  registrationAuthority: boolean;
}

export interface MacCredentials extends Authenticated {
  kind: "mac";
  /** The sender reference (senderKID) as text, for logs. */
  reference: string;
  senderKID: ArrayBuffer;
  mac: MacKey;
  /**
   * The shared secret itself: a centrally generated private key is encrypted
   * with a key derived from it (RFC 9483 §4.1.6.3). Never logged or stored.
   */
  secret: Uint8Array;
  /** Client mode: the request was authenticated with this end entity's enrollment code. */
  enrollment?: { username: string; sealedCode: Sealed };
}

export interface SignatureCredentials extends Authenticated {
  kind: "signature";
  /** The protection certificate (DER) and its parsed form. */
  certificate: Uint8Array;
  parsed: Certificate;
  /** Serial (hex) when this CA issued the certificate: the certificate a kur updates, an rr may revoke. */
  issuedSerial?: string;
}

export interface VerificationContext {
  profile: Profile;
  ca: CertificateAuthority;
  store: Store;
  now: Date;
  limits: Limits;
  /** Opens sealed enrollment codes (client mode). */
  sealer?: SecretSealer;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Verify the protection of a request against the profile. Failures raise
 * CmpError: badMessageCheck when the MAC or signature is wrong or missing,
 * signerNotTrusted for an unknown sender or an untrusted certificate,
 * certRevoked for a revoked one, badAlg for a protectionAlg that is neither
 * a MAC nor a signature we verify (protection_algorithm.ts) and for refused
 * parameters.
 */
export async function verifyProtection(request: DecodedRequest, context: VerificationContext): Promise<Credentials> {
  const { header, protection } = request.message;
  const protectionAlg = header.protectionAlg;
  if (!protectionAlg || !protection) {
    throw new CmpError("badMessageCheck", "the request is not protected; use a MAC (-ref/-secret) or a signature (-cert/-key)");
  }
  return protectionKind(protectionAlg) === "mac" ? verifyMac(request, context) : verifySigned(request, context);
}

async function verifyMac(request: DecodedRequest, context: VerificationContext): Promise<MacCredentials> {
  const { profile, limits } = context;
  const { header, protection } = request.message;
  const senderKID = header.senderKID;
  if (!senderKID || senderKID.byteLength === 0) {
    throw new CmpError("badMessageCheck", "a MAC-protected request must name its secret in senderKID (the reference, -ref)");
  }
  const reference = utf8.decode(senderKID);
  // A secret for this very reference first; then, in client mode, the end
  // entity's enrollment code; then the profile's one secret for any reference.
  let secret = profile.macSecrets.get(reference);
  let enrollment: MacCredentials["enrollment"];
  if (!secret && profile.mode === "client" && profile.enrollmentCodes) {
    const code = await enrollmentCode(request, `mac-${toHex(senderKID)}`, context);
    if (code) ({ secret, enrollment } = code);
  }
  const shared = !secret && profile.macSecret !== undefined;
  secret ??= profile.macSecret;
  if (!secret) throw new CmpError("signerNotTrusted", `unknown sender reference "${printable(reference)}"`);
  const mac = await prepareMac(header.protectionAlg!, secret, limits.macMaxIterations);
  if (!(await mac.verify(protectedPart(request.headerDer, request.bodyDer), new Uint8Array(protection!)))) {
    throw new CmpError("badMessageCheck", "MAC verification failed: wrong secret for this reference, or the message was altered");
  }
  return {
    kind: "mac",
    reference,
    identity: `mac-${toHex(senderKID)}`,
    senderKID,
    mac,
    secret,
    enrollment,
    // EJBCA's RA mode: whoever holds the profile's one secret is the RA.
    registrationAuthority: profile.registrationAuthority.macReferences.has(reference) || (shared && profile.mode === "ra"),
  };
}

/** Body types that continue a transaction (their MAC key is the one its first message used). */
const CONTINUATIONS = new Set(["certConf", "pollReq", "error"]);

/**
 * The enrollment code a client-mode MAC request is keyed with: for a first
 * message, the code of the end entity it names (while it has one); for a
 * later message of a transaction, the code the transaction began with, kept
 * sealed in the transaction because a successful enrollment removes it from
 * the entity.
 */
async function enrollmentCode(
  request: DecodedRequest,
  identity: string,
  { store, sealer, profile }: VerificationContext,
): Promise<{ secret: Uint8Array; enrollment: NonNullable<MacCredentials["enrollment"]> } | undefined> {
  if (!sealer) throw new CmpError("systemFailure", "enrollment codes are not available: the server has no ENROLLMENT_CODE_KEY");
  let username: string | undefined;
  let sealedCode: Sealed | undefined;
  if (CONTINUATIONS.has(request.type)) {
    const transactionID = request.message.header.transactionID;
    const transaction = transactionID ? (await store.get<TransactionRecord>(transactionKey(identity, toHex(transactionID))))?.value : undefined;
    username = transaction?.entity;
    sealedCode = transaction?.sealedCode;
  } else {
    username = requestedUsername(request, profile.username);
    const entity = username ? (await getEndEntity(store, username))?.value : undefined;
    // A code opens its entity on every profile the entity may use, and on no other.
    if (entity && allowsProfile(entity, profile.name)) {
      sealedCode = entity.enrollmentCode ?? entity.usedEnrollmentCode;
      if (!sealedCode) throw new CmpError("notAuthorized", `end entity "${printable(username!)}" has no enrollment code; an administrator must reset it`);
    }
  }
  if (!username || !sealedCode) return undefined;
  const secret = await sealer.open(sealedCode, username);
  if (!secret) throw new CmpError("systemFailure", `the enrollment code of "${printable(username)}" cannot be opened with the server's ENROLLMENT_CODE_KEY`);
  return { secret, enrollment: { username, sealedCode } };
}

async function verifySigned(request: DecodedRequest, context: VerificationContext): Promise<SignatureCredentials> {
  const { header, protection } = request.message;
  const [certificate, ...intermediates] = request.extraCertsDer;
  if (!certificate) {
    throw new CmpError("signerNotTrusted", "a signature-protected request must carry its protection certificate first in extraCerts (RFC 9483 §3.3)");
  }
  let signer: ParsedCertificate;
  try {
    signer = parseCertificate(certificate);
  } catch (error) {
    throw new CmpError("badDataFormat", "the first certificate in extraCerts is not an X.509 certificate", { cause: error });
  }
  const parsed = signer.certificate;
  const subject = parsed.tbsCertificate.subject;
  // RFC 9483 §3.1: sender is the protection certificate's subject, senderKID its SKI.
  const sender = header.sender.directoryName;
  // The names as sent first; failing that, as re-encoded (the earlier rule, for encodings that differ but mean the same).
  const sameName = () =>
    bytesEqual(senderNameDer(request.headerDer) ?? new Uint8Array(), signer.subject) ||
    sameEncoding(sender!, subject);
  if (!sender || !sameName()) {
    // RFC 9483 §3.1, §3.5: the header names the signer; a header that names someone else fails the message check.
    throw new CmpError("badMessageCheck", `the sender does not match the protection certificate's subject "${formatDistinguishedName(subject)}" (the first of extraCerts)`);
  }
  const ski = signer.subjectKeyId;
  if (header.senderKID && ski && !bytesEqual(new Uint8Array(header.senderKID), ski)) {
    throw new CmpError("badMessageCheck", "senderKID does not match the protection certificate's subjectKeyIdentifier (RFC 9483 §3.1)");
  }

  const trust = trustOf(context.profile, context.ca);
  const { limits } = context;
  const path = await validateCertificatePath({
    certificate,
    intermediates,
    anchors: trust.anchors,
    now: context.now,
    maxDepth: limits.pathMaxIntermediates,
    maxSignatureChecks: limits.pathMaxSignatureChecks,
    rsaMaxModulusBits: limits.rsaMaxModulusBits,
  });
  const identity = `sig-${toHex((await digest("SHA-256", certificate)).subarray(0, 20))}`;
  const issuedByThisCa = bytesEqual(path.anchor, trust.caCertificate) && path.chain.length === 2;
  let issuedSerial: string | undefined;
  if (issuedByThisCa) {
    issuedSerial = serialNumberHex(parsed.tbsCertificate.serialNumber);
    const record = await getCertificate(context.store, issuedSerial);
    if (
      record?.status === "revoked" &&
      !liftsItsOwnHold(request, record) &&
      !(await confirmsItsSuccessor(request, record, identity, context.store)) &&
      !(await pollsItsOwnRevocation(request, record, identity, context.store))
    ) {
      throw new CmpError("certRevoked", `the protection certificate (serial ${issuedSerial}) is revoked`);
    }
    if (record?.status === "rejected" || record?.status === "unconfirmed") {
      throw new CmpError("signerNotTrusted", `the protection certificate (serial ${issuedSerial}) was never confirmed by its requester and is not in use`);
    }
  }

  const part = protectedPart(request.headerDer, request.bodyDer);
  const valid = await verifySignature(signer.spki, header.protectionAlg!, part, new Uint8Array(protection!), { reuseKey: true, rsaMaxModulusBits: limits.rsaMaxModulusBits });
  if (!valid) throw new CmpError("badMessageCheck", "the signature does not verify with the protection certificate's key");

  return {
    kind: "signature",
    certificate,
    parsed,
    issuedSerial,
    identity,
    registrationAuthority: trust.raAnchors.some((anchor) => bytesEqual(anchor, path.anchor)),
  };
}

/**
 * A certificate on hold is revoked for every purpose but one: its holder may
 * ask, signing with it, that the hold be lifted (an rr with removeFromCRL
 * for that very certificate, RFC 5280 §5.3.1).
 */
function liftsItsOwnHold(request: DecodedRequest, record: CertificateRecord): boolean {
  if (request.type !== "rr" || record.revocationReason !== CERTIFICATE_HOLD) return false;
  const details = request.message.body.rr;
  if (details?.length !== 1) return false;
  const { serialNumber } = details[0]!.certDetails;
  try {
    return serialNumber !== undefined && serialNumberHex(serialNumber) === record.serial && requestedReason(details[0]!.crlEntryDetails) === REMOVE_FROM_CRL;
  } catch {
    return false;
  }
}

/**
 * A kur's certConf is signed with the certificate being updated, which the
 * confirmation itself revokes (superseded, keyUpdate.revokeOldCertificate).
 * When the answer to that certConf was lost, its repeat (RFC 9810 §5.1.1:
 * a fresh senderNonce, the same recipNonce) must still get through to be
 * answered again; so a certificate revoked as superseded still signs the
 * certConf of the very transaction that superseded it, and nothing else.
 */
async function confirmsItsSuccessor(request: DecodedRequest, record: CertificateRecord, identity: string, store: Store): Promise<boolean> {
  if (request.type !== "certConf" || !record.supersededBy || record.revocationReason !== CRLReasons.superseded) return false;
  const transactionID = request.message.header.transactionID;
  if (!transactionID) return false;
  const transaction = (await store.get<TransactionRecord>(transactionKey(identity, toHex(transactionID))))?.value;
  return transaction?.requestType === "kur" && transaction.serial === record.supersededBy;
}

/**
 * An rr of the holder's own certificate that waited for approval (RFC 9483
 * §4.4) revokes that certificate while answering a pollReq signed with it;
 * when that answer is lost, the repeated pollReq must still get through to
 * learn the outcome, as must a pollReq of a waiting rr whose certificate
 * was revoked meanwhile by other means (its final rp says certRevoked).
 * So a revoked certificate still signs the pollReqs of its own rr's
 * transaction, and nothing else.
 */
async function pollsItsOwnRevocation(request: DecodedRequest, record: CertificateRecord, identity: string, store: Store): Promise<boolean> {
  if (request.type !== "pollReq") return false;
  const transactionID = request.message.header.transactionID;
  if (!transactionID) return false;
  const transaction = (await store.get<TransactionRecord>(transactionKey(identity, toHex(transactionID))))?.value;
  return transaction?.requestType === "rr" && transaction.revokedSerial === record.serial;
}

interface ProfileTrust {
  caCertificate: Uint8Array;
  anchors: TrustAnchors;
  raAnchors: readonly Uint8Array[];
}

const trustCache = new WeakMap<Profile, { ca: CertificateAuthority; trust: ProfileTrust }>();

/** The profile's anchors, parsed once: this CA (when trusted), device anchors and RA anchors. */
function trustOf(profile: Profile, ca: CertificateAuthority): ProfileTrust {
  const cached = trustCache.get(profile);
  if (cached && cached.ca === ca) return cached.trust;
  const anchors = [
    ...(profile.signatureTrust.thisCa ? [ca.certificate] : []),
    ...profile.signatureTrust.anchors,
    ...profile.registrationAuthority.anchors,
  ];
  const trust = { caCertificate: ca.certificate, anchors: prepareTrustAnchors(anchors), raAnchors: profile.registrationAuthority.anchors };
  trustCache.set(profile, { ca, trust });
  return trust;
}

/** A reference for logs and error texts: printable ASCII, bounded. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 64);
}
