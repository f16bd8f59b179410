import type { KeyUsageName } from "../config/profile.js";
import type { Store, Versioned } from "../store/store.js";

/**
 * A certificate request that was answered `waiting` (RFC 9810 §5.2.3) and is
 * decided later: by an operator (manual approval) or by a signer that works
 * again. It holds everything needed to issue without the original message,
 * because what follows are pollReq messages (§5.3.22), possibly to another
 * instance.
 */
export interface PendingRequest {
  id: string;
  profile: string;
  /** The certificate profile the request named (RFC 9810 §5.1.1.4), issued under at approval; absent in older records: the default. */
  certificateProfile?: string;
  requestType: "ir" | "cr" | "kur" | "p10cr";
  responseType: "ip" | "cp" | "kup";
  certReqId: number;
  /** Base64 DER of the subject Name, the subjectAltName GeneralNames and the SubjectPublicKeyInfo. */
  subject: string;
  subjectAltName?: string;
  publicKey: string;
  /** For people deciding: the subject as RFC 4514 text and the names in OpenSSL notation. */
  subjectText: string;
  subjectAltNamesText: string[];
  /**
   * How the certificate differs from what was asked, as decided when the
   * request came (src/ca/template_modifications.ts): empty answers accepted,
   * otherwise grantedWithMods with these texts.
   */
  modifications?: string[];
  /** Records written before the differences were kept say only whether there were any (read by pendingModifications). */
  modified?: boolean;
  /** The keyUsage the request chose (CertificateProfile.keyUsageOverride); absent: the profile's. */
  keyUsage?: KeyUsageName[];
  supersedes?: string;
  /** Client mode: the end entity to consume at issuance, and the IV of the code that authenticated. */
  entity?: string;
  codeIv?: string;
  /** How issuance changes the entity (RegistrationPlan.kind); absent in older records: "update" for kur, else "enroll". */
  registrationKind?: "enroll" | "update";
  implicitConfirm: boolean;
  requester: string;
  transactionKey: string;
  /** Why it waits: an operator's decision, or a signer that failed transiently. */
  reason: "approval" | "signer";
  /** Why an operator must decide (the rule that held it). */
  holdReason?: string;
  signingAttempts: number;
  status: "pending" | "approved" | "rejected" | "expired" | "issued" | "failed";
  decisionReason?: string;
  decidedAt?: string;
  /** The operator who approved or rejected it; absent for what no operator decided (withdrawn, expired) and in older records. */
  decidedBy?: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * An rr or genm answered with an error message of status `waiting` (RFC
 * 9483 §4.4, RFC 9810 §5.3.21-22): nothing is done until an operator
 * approves it; meanwhile every pollReq (certReqId -1) gets a pollRep, and
 * the pollReq after the decision gets the final rp or genp
 * (src/cmp/poll_operation.ts). Listed and decided with the certificate
 * requests (admin API /admin/requests), by the same fields.
 */
export interface PendingOperation {
  id: string;
  profile: string;
  requestType: "rr" | "genm";
  responseType: "rp" | "genp";
  /** RFC 9810 §5.3.22: -1, polling for the complete response. */
  certReqId: -1;
  /** For people deciding: rr, the subject of the certificate to revoke; genm, the requester. */
  subjectText: string;
  subjectAltNamesText: string[];
  /** rr: the certificate (hex serial) and the CRLReason asked for (RFC 9483 §4.2). */
  serial?: string;
  revocationReason?: number;
  /** genm: the InfoTypeAndValues asked (infoType, base64 DER of the value) and the certificate profile named for each. */
  infoItems?: Array<{ infoType: string; infoValue?: string }>;
  certProfiles?: Array<string | null>;
  /** No certificate is updated by an rr or genm (read alongside PendingRequest.supersedes). */
  supersedes?: never;
  implicitConfirm: false;
  requester: string;
  transactionKey: string;
  reason: "approval";
  holdReason: string;
  signingAttempts: 0;
  /** "completed": the final answer was given (the certificate revoked, the genp sent). */
  status: "pending" | "approved" | "rejected" | "expired" | "completed";
  decisionReason?: string;
  decidedAt?: string;
  /** The operator who approved or rejected it; absent for what no operator decided (withdrawn, expired) and in older records. */
  decidedBy?: string;
  createdAt: string;
  expiresAt: string;
}

/** Anything waiting for a decision or a signer, as stored under pending/. */
export type AnyPendingRequest = PendingRequest | PendingOperation;

export function isPendingOperation(pending: AnyPendingRequest): pending is PendingOperation {
  return pending.requestType === "rr" || pending.requestType === "genm";
}

/** The modifications of a pending request, also of one stored before they were kept as texts. */
export function pendingModifications(pending: Pick<PendingRequest, "modifications" | "modified">): string[] {
  if (pending.modifications) return pending.modifications;
  return pending.modified ? ["some of what was asked (validity or extensions) was not granted as asked"] : [];
}

export function pendingKey(id: string): string {
  return `pending/${id}`;
}

export function getPendingRequest(store: Store, id: string): Promise<Versioned<AnyPendingRequest> | undefined> {
  return store.get<AnyPendingRequest>(pendingKey(id));
}

/**
 * An operator's decision: only a pending request can be decided, and only
 * once; compare-and-set keeps a poll and a decision from crossing.
 */
export async function decidePendingRequest(
  store: Store,
  id: string,
  decision: "approved" | "rejected",
  reason: string | undefined,
  now: Date,
  by?: string,
): Promise<AnyPendingRequest | "notFound" | "notPending"> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await getPendingRequest(store, id);
    if (!entry) return "notFound";
    if (entry.value.status !== "pending" || entry.value.reason !== "approval") return "notPending";
    const decided: AnyPendingRequest = { ...entry.value, status: decision, decisionReason: reason, decidedAt: now.toISOString(), decidedBy: by };
    if (await store.compareAndSet(pendingKey(id), entry.version, decided, { ttlSeconds: ttlUntil(decided.expiresAt, now) })) return decided;
  }
  throw new Error(`pending request ${id} changed under five decisions in a row`);
}

/** Pending requests with the given status ("all" for every one), oldest first. */
export async function listPendingRequests(store: Store, status: string): Promise<AnyPendingRequest[]> {
  const requests: AnyPendingRequest[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list<AnyPendingRequest>("pending/", { cursor, limit: 1000 });
    for (const { value } of page.items) if (status === "all" || value.status === status) requests.push(value);
    cursor = page.cursor;
  } while (cursor);
  return requests.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * The TTL of a waiting transaction: a day past the request's expiry plus the
 * usual transaction lifetime, so that a late poll still learns it expired
 * rather than that it never existed.
 */
export function waitingTransactionTtl(expiresAt: string, now: Date, transactionTtlSeconds: number): number {
  return ttlUntil(expiresAt, now, 86_400 + transactionTtlSeconds);
}

/** Seconds from now until an ISO time, at least one: the TTL that keeps a record while it matters. */
export function ttlUntil(iso: string, now: Date, slackSeconds = 86_400): number {
  return Math.max(1, Math.ceil((Date.parse(iso) - now.getTime()) / 1000) + slackSeconds);
}
