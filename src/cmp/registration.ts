import { CmpError } from "../asn1/pki_failure_info.js";
import { getCertificate } from "../ca/certificate_record.js";
import { Name, RelativeDistinguishedName } from "@peculiar/asn1-x509";
import { formatDistinguishedName, parseDistinguishedName } from "../ca/distinguished_name.js";
import { allowsProfile, type EndEntity } from "../ca/end_entity.js";
import { getEndEntity, updateEndEntity } from "../ca/end_entity_store.js";
import type { Store } from "../store/store.js";
import { formatGeneralName, parseGeneralNames } from "../ca/general_name_text.js";
import type { Exchange } from "./exchange.js";
import type { SignatureCredentials } from "./protection.js";
import type { ApprovedRequest } from "./issuance.js";
import { requestedUsername, usernameIn } from "./username.js";

/**
 * Client mode (EJBCA's "client mode"): every certificate goes to a registered
 * end entity, whose registration says the subject and names; a first
 * enrollment consumes the registration (status new → issued, the enrollment
 * code removed) atomically, so one registration yields one certificate.
 */
export interface RegistrationPlan {
  username: string;
  /** The request as the registration allows it: the registered subjectAltNames. */
  approved: ApprovedRequest;
  /**
   * A first enrollment consumes the registration; a kur, or a further
   * enrollment signed with a certificate the entity holds, extends it.
   */
  kind: "enroll" | "update";
  /** The IV of the enrollment code that authenticated the request, which must still be the live one. */
  codeIv?: string;
}

/**
 * Once the transaction is claimed (possibly much later, after an approval):
 * consume the registration (first enrollment: status new → issued, code
 * removed) or extend it (kur). The conditions are checked again under
 * compare-and-set, so of concurrent enrollments exactly one wins.
 */
export async function commitRegistration(
  store: Store,
  plan: Pick<RegistrationPlan, "username" | "kind" | "codeIv">,
  serial: string,
  now: Date,
  seen?: (before: EndEntity) => void,
): Promise<void> {
  let refusal: CmpError | undefined;
  const updated = await updateEndEntity(store, plan.username, (entity) => {
    seen?.(entity);
    if (plan.kind === "enroll") {
      if (entity.status !== "new" || (plan.codeIv !== undefined && entity.enrollmentCode?.iv !== plan.codeIv)) {
        refusal = new CmpError("notAuthorized", `the registration of "${plan.username}" was used by a concurrent enrollment`);
        return undefined;
      }
      return {
        ...entity,
        status: "issued",
        enrollmentCode: undefined,
        usedEnrollmentCode: entity.enrollmentCode,
        certificates: [...entity.certificates, serial],
        updatedAt: now.toISOString(),
      };
    }
    // A renewal also ends a pending reset: its code would only meet "already enrolled".
    return { ...entity, status: "issued", enrollmentCode: undefined, certificates: [...entity.certificates, serial], updatedAt: now.toISOString() };
  });
  if (refusal) throw refusal;
  if (!updated) throw new CmpError("notAuthorized", `end entity "${plan.username}" no longer exists`);
}

/**
 * Undo a commitRegistration whose certificate never left the server (a later
 * step failed, or the commit's own answer was lost): the entity gets back its
 * status, its code and its list, so the holder can enroll again with the same
 * code. Only while the entity is as the commit left it (its newest
 * certificate is `serial`); otherwise someone changed it since, and that stays.
 */
export async function revertRegistration(store: Store, username: string, serial: string, before: EndEntity | undefined): Promise<void> {
  if (!before) return;
  await updateEndEntity(store, username, (entity) =>
    entity.certificates.at(-1) === serial
      ? {
          ...entity,
          status: before.status,
          enrollmentCode: before.enrollmentCode,
          usedEnrollmentCode: before.usedEnrollmentCode,
          certificates: before.certificates,
          updatedAt: before.updatedAt,
        }
      : undefined,
  );
}

export async function planRegistration(exchange: Exchange, approved: ApprovedRequest): Promise<RegistrationPlan | undefined> {
  if (exchange.profile.mode !== "client") return undefined;
  return exchange.request.type === "kur" ? planUpdate(exchange, approved) : planEnrollment(exchange, approved);
}

/**
 * ir, cr, p10cr. A status `new` entity is enrolled once, with its code or a
 * certificate that names it, and that consumes the registration. An entity
 * that has enrolled may enroll again only with a certificate this CA issued
 * to it (EJBCA's EndEntityCertificate authentication, the guide's
 * "openssleec" alias: cr with -cert/-key): each such request issues one more
 * certificate and keeps the old ones; an enrollment code never does.
 */
async function planEnrollment(exchange: Exchange, approved: ApprovedRequest): Promise<RegistrationPlan> {
  const { credentials, profile, context } = exchange;
  const username =
    credentials.kind === "mac" && credentials.enrollment ? credentials.enrollment.username : requestedUsername(exchange.request, profile.username);
  if (!username) throw new CmpError("badCertTemplate", `the request names no end entity (${describeSource(exchange)})`);
  const signer = credentials.kind === "signature" ? await signerOf(exchange, credentials, username) : undefined;
  if (signer === "other") {
    throw new CmpError("notAuthorized", `the request is signed with a certificate that does not belong to end entity "${username}"`);
  }
  const entry = await getEndEntity(context.store, username);
  const entity = checkEntity(entry?.value, username, exchange);
  if (entity.status !== "new") {
    if (signer === "issued" && entity.status === "issued") return { username, approved: matchRegistration(entity, approved), kind: "update" };
    throw new CmpError(
      "notAuthorized",
      entity.status === "revoked"
        ? `end entity "${username}" is revoked; an administrator must reset it`
        : `end entity "${username}" has already enrolled (status ${entity.status}); enroll again signed with its certificate, or an administrator must reset it`,
    );
  }
  // The code that authenticated the request must still be the entity's live one.
  if (credentials.kind === "mac" && credentials.enrollment && entity.enrollmentCode?.iv !== credentials.enrollment.sealedCode.iv) {
    const used = entity.usedEnrollmentCode?.iv === credentials.enrollment.sealedCode.iv;
    throw new CmpError("notAuthorized", used ? `the enrollment code of "${username}" was already used` : `the enrollment code of "${username}" was replaced meanwhile`);
  }
  const registered = matchRegistration(entity, approved);
  const codeIv = credentials.kind === "mac" ? credentials.enrollment?.sealedCode.iv : undefined;
  return { username, approved: registered, kind: "enroll", codeIv };
}

/**
 * Whose the protection certificate is: "issued" when this CA issued it to
 * the entity (its record says so), "named" when it names the entity by the
 * profile's username attribute (a certificate of another CA the profile
 * trusts, or one this CA issued before entities were recorded), else "other".
 * A record's entity decides over the name.
 */
async function signerOf(exchange: Exchange, credentials: SignatureCredentials, username: string): Promise<"issued" | "named" | "other"> {
  const { profile, context } = exchange;
  const record = credentials.issuedSerial ? await getCertificate(context.store, credentials.issuedSerial) : undefined;
  if (record?.entity !== undefined) return record.entity === username ? "issued" : "other";
  const named = profile.username.from === "subject" && usernameIn(credentials.parsed.tbsCertificate.subject, profile.username.attribute) === username;
  return named ? "named" : "other";
}

async function planUpdate(exchange: Exchange, approved: ApprovedRequest): Promise<RegistrationPlan> {
  const { credentials, profile, context } = exchange;
  if (credentials.kind !== "signature" || !credentials.issuedSerial) {
    throw new CmpError("notAuthorized", "a key update must be signed with the certificate being updated");
  }
  const record = await getCertificate(context.store, credentials.issuedSerial);
  const username =
    record?.entity ?? (profile.username.from === "subject" ? usernameIn(credentials.parsed.tbsCertificate.subject, profile.username.attribute) : undefined);
  if (!username) throw new CmpError("notAuthorized", "the certificate being updated belongs to no registered end entity");
  const entity = checkEntity((await getEndEntity(context.store, username))?.value, username, exchange);
  if (entity.status === "revoked") throw new CmpError("notAuthorized", `end entity "${username}" is revoked`);
  return { username, approved, kind: "update" };
}

/** The entity exists and may use this profile: one registration, every profile the operator listed for it. */
function checkEntity(entity: EndEntity | undefined, username: string, exchange: Exchange): EndEntity {
  if (!entity) throw new CmpError("notAuthorized", `no end entity "${username}" is registered`);
  if (!allowsProfile(entity, exchange.profile.name)) {
    const listed = entity.profiles.map((name) => `"${name}"`).join(", ");
    throw new CmpError("notAuthorized", `end entity "${username}" is registered for profile ${listed}, not "${exchange.profile.name}"`);
  }
  return entity;
}

/** The requested subject must be the registered one; requested names must be registered ones; the certificate gets the registered names. */
function matchRegistration(entity: EndEntity, approved: ApprovedRequest): ApprovedRequest {
  const requested = formatDistinguishedName(approved.subject);
  if (attributeSet(approved.subject) !== attributeSet(parseDistinguishedName(entity.subject))) {
    throw new CmpError("badCertTemplate", `the subject "${requested}" does not match the registered subject "${entity.subject}"`);
  }
  const registered = new Set(entity.subjectAltNames.map((name) => name.toLowerCase()));
  for (const name of approved.subjectAltName ?? []) {
    const text = formatGeneralName(name);
    if (!text || !registered.has(text.toLowerCase())) {
      throw new CmpError("badCertTemplate", `subjectAltName ${text ?? "(unsupported kind)"} is not registered for "${entity.username}"`);
    }
  }
  return { ...approved, subjectAltName: entity.subjectAltNames.length > 0 ? parseGeneralNames(entity.subjectAltNames) : undefined };
}

/**
 * A DN as the set of its attributes, values compared without case: operators
 * write "CN=user1,O=Org,C=SE" (EJBCA's order) for what openssl sends as
 * "/CN=user1/O=Org/C=SE", which RFC 4514 reads the other way round. The
 * certificate gets the subject as requested.
 */
function attributeSet(name: Name): string {
  return [...name]
    .flatMap((rdn) => [...rdn].map((ava) => `${ava.type}=${formatDistinguishedName(new Name([new RelativeDistinguishedName([ava])])).replace(/^[^=]*=/, "").toLowerCase()}`))
    .sort()
    .join("\n");
}

function describeSource(exchange: Exchange): string {
  const source = exchange.profile.username;
  return source.from === "senderKID" ? "senderKID" : `the ${source.attribute} of the subject`;
}
