import type { Certificate, Crl, Entity, PendingRequest } from "./api_types.js";
import { CERTIFICATE_HOLD, describeRevocationReason, revocationReasonName } from "./revocation_reasons.js";
import { formatRecord, formatTable, printable } from "./tables.js";

/**
 * How entities, certificates, held requests and enrollment codes look to a
 * person. The --json output does not come through here: it is the API's
 * answer as is.
 */

export function entityTable(entities: readonly Entity[]): string {
  return formatTable(
    ["USERNAME", "STATUS", "PROFILES", "SUBJECT", "CERTS", "UPDATED"],
    entities.map((e) => [e.username, e.status, profilesOf(e).join(","), e.subject, String(e.certificates?.length ?? 0), e.updatedAt ?? ""]),
  );
}

export function entityRecord(e: Entity): string {
  return formatRecord([
    ["username", e.username],
    ["status", e.status],
    ["profiles", profilesOf(e)],
    ["subject", e.subject],
    ["subjectAltNames", e.subjectAltNames ?? []],
    ["enrollment code", e.hasEnrollmentCode === undefined ? undefined : e.hasEnrollmentCode ? "set" : "none"],
    ["certificates", e.certificates ?? []],
    ["created", e.createdAt],
    ["updated", e.updatedAt],
  ]);
}

/** An entity's profiles, from a server of any version. */
function profilesOf(e: Entity): string[] {
  return e.profiles ?? (e.profile !== undefined ? [e.profile] : []);
}

export function certificateTable(certificates: readonly Certificate[]): string {
  return formatTable(
    ["SERIAL", "STATUS", "SUBJECT", "PROFILE", "ENTITY", "NOT AFTER"],
    certificates.map((c) => [c.serial, statusText(c), c.subject, c.profile ?? "", c.entity ?? "", c.notAfter ?? ""]),
  );
}

/** The status with, for a revoked certificate, why: "revoked (keyCompromise)", or "on hold" for a certificateHold. */
function statusText(c: Certificate): string {
  if (c.status !== "revoked" || c.revocationReason === undefined) return c.status;
  return c.revocationReason === CERTIFICATE_HOLD ? "on hold" : `revoked (${revocationReasonName(c.revocationReason)})`;
}

export function certificateRecord(c: Certificate): string {
  return formatRecord([
    ["serial", c.serial],
    ["status", c.status === "revoked" && c.revocationReason === CERTIFICATE_HOLD ? "revoked (on hold)" : c.status],
    ["subject", c.subject],
    ["issuer", c.issuer],
    ["not before", c.notBefore],
    ["not after", c.notAfter],
    ["profile", c.profile],
    ["entity", c.entity],
    ["requester", c.requester],
    ["issued", c.issuedAt],
    ["decided", c.decidedAt],
    ["revoked", c.revokedAt],
    ["revoked by", c.revokedBy],
    ["revocation reason", c.revocationReason === undefined ? undefined : describeRevocationReason(c.revocationReason)],
    ["status before hold", c.statusBeforeHold],
    ["supersedes", c.supersedes],
  ]);
}

/** The CRL as `crl show` and `crl regenerate` print it. */
export function crlRecord(crl: Crl): string {
  return formatRecord([
    ["number", crl.number],
    ["this update", crl.thisUpdate],
    ["next update", crl.nextUpdate],
    ["entries", crl.entries],
    ["size", `${crl.bytes} bytes`],
    ["url", crl.url ?? "none (the server has no public base URL: publication.baseUrl)"],
    ["CA id", crl.caId],
    ["stale", crl.stale ? "yes: a revocation since is not on it; the next fetch or `jellyfish crl regenerate` builds one" : "no"],
  ]);
}

export function requestTable(requests: readonly PendingRequest[]): string {
  return formatTable(
    ["ID", "STATUS", "PROFILE", "SUBJECT", "SANS", "WHY", "CREATED", "DECIDED BY"],
    requests.map((r) => [r.id, r.status, r.profile, r.subjectText, (r.subjectAltNamesText ?? []).join(", "), why(r) ?? "", r.createdAt ?? "", r.decidedBy ?? ""]),
  );
}

export function requestRecord(r: PendingRequest): string {
  return formatRecord([
    ["id", r.id],
    ["status", r.status],
    ["profile", r.profile],
    ["request type", r.requestType],
    ["subject", r.subjectText],
    ["subjectAltNames", r.subjectAltNamesText ?? []],
    ["entity", r.entity],
    ["requester", r.requester],
    ["waits for", r.reason === undefined ? undefined : (WAITS_FOR[r.reason] ?? r.reason)],
    ["hold reason", r.holdReason],
    ["created", r.createdAt],
    ["expires", r.expiresAt],
    ["decided", r.decidedAt],
    ["decided by", r.decidedBy],
    ["decision reason", r.decisionReason],
  ]);
}

const WAITS_FOR: Readonly<Record<string, string>> = {
  approval: "approval (an operator decides)",
  signer: "the signer (retried by itself; no operator decides)",
};

/** Why a request waits: the rule that held it, or a signer that fails; no operator can decide the latter. */
function why(r: PendingRequest): string | undefined {
  if (r.holdReason !== undefined) return r.holdReason;
  return r.reason === "signer" ? "the signer failed; retried by itself" : undefined;
}

/**
 * The code, and the warning that goes with it: the server keeps only an
 * encrypted copy and will not show it again, so this output is the only
 * place the operator can take it from.
 */
export function enrollmentCodeNotice(username: string, code: string): string {
  return [
    `Enrollment code: ${printable(code)}`,
    "This code is shown once: the server stores it encrypted and can never show it again.",
    `Pass it on now; if it is lost, \`jellyfish entity reset ${printable(username)}\` makes a new one.`,
    "",
  ].join("\n");
}
