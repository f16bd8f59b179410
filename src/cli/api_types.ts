/**
 * The JSON the admin API answers, as docs/admin-api.md describes it. The CLI
 * keeps its own copy of these shapes, rather than importing the server's, so
 * that it is a client of the documented contract and nothing more.
 */

export interface Entity {
  username: string;
  subject: string;
  subjectAltNames?: string[];
  /** The client-mode profiles it enrolls through; servers from before entities had several answer `profile` instead. */
  profiles?: string[];
  profile?: string;
  /** "new", "issued" or "revoked" today; shown as given, so a new status needs no CLI release. */
  status: string;
  hasEnrollmentCode?: boolean;
  certificates?: string[];
  createdAt?: string;
  updatedAt?: string;
}

export interface Certificate {
  serial: string;
  subject: string;
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  status: string;
  profile?: string;
  entity?: string;
  requester?: string;
  issuedAt?: string;
  decidedAt?: string;
  revokedAt?: string;
  /** An operator's name, "rr:<sender>", "kur:<successor serial>" or "expiry"; absent from servers before named operators. */
  revokedBy?: string;
  /** 6 (certificateHold): on hold, and `statusBeforeHold` is what lifting it restores. */
  revocationReason?: number;
  statusBeforeHold?: string;
  supersedes?: string;
}

/** The CA's current CRL, as `GET` and `POST /admin/crl` show it. */
export interface Crl {
  caId: string;
  /** cRLNumber in decimal: it may be beyond a JSON number. */
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  entries: number;
  bytes: number;
  /** A revocation happened after it was built, so it does not list it yet. */
  stale: boolean;
  /** Where relying parties fetch it; only when the server has a public base URL. */
  url?: string;
}

export interface CrlAnswer {
  crl: Crl;
}

/** A request held for an operator's decision or for a failing signer ("Requests waiting for approval"). */
export interface PendingRequest {
  id: string;
  profile: string;
  /** "ir", "cr", "kur", "p10cr", or "rr" / "genm" (RFC 9483 §4.4 delayed delivery). */
  requestType?: string;
  subjectText: string;
  subjectAltNamesText?: string[];
  entity?: string;
  requester?: string;
  /** Why it waits: "approval" (an operator decides) or "signer" (retried by itself). */
  reason?: string;
  /** The rule that held it for approval. */
  holdReason?: string;
  /** "pending", "approved", "rejected", "expired", "issued", "completed" (an rr or genm answered) or "failed" today; shown as given. */
  status: string;
  createdAt?: string;
  expiresAt?: string;
  decisionReason?: string;
  decidedAt?: string;
  /** The operator who approved or rejected it. */
  decidedBy?: string;
}

/** `POST /admin/entities` and `POST /admin/entities/{username}/reset`. */
export interface EntityWithCode {
  entity: Entity;
  enrollmentCode: string;
}

export interface EntityAnswer {
  entity: Entity;
}

export interface EntityList {
  entities: Entity[];
}

export interface CertificatePage {
  certificates: Certificate[];
  cursor?: string;
}

export interface CertificateWithPem {
  certificate: Certificate;
  pem: string;
}

export interface CertificateAnswer {
  certificate: Certificate;
}

/** `GET /admin/requests`. */
export interface RequestList {
  requests: PendingRequest[];
}

/** `GET /admin/requests/{id}` and its approve and reject. */
export interface RequestAnswer {
  request: PendingRequest;
}

/** The body of `POST /admin/entities`. */
export interface NewEntity {
  username: string;
  subject: string;
  subjectAltNames?: string[];
  /** Sent as `profile` when there is one, as `profiles` when several (admin_client.ts). */
  profiles: string[];
  enrollmentCode?: string;
}

/** The query of `GET /admin/certificates`, as sent. */
export interface CertificateFilter {
  status?: string;
  profile?: string;
  entity?: string;
  subject?: string;
  /** A CRLReason number. */
  reason?: string;
  /** ISO 8601. */
  revokedSince?: string;
}

/** `GET /admin/whoami`: the operator the token belongs to. */
export interface OperatorAnswer {
  operator: { name: string; role: string };
}
