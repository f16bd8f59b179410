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
  revocationReason?: number;
  supersedes?: string;
}

/** A request held for an operator's decision or for a failing signer ("Requests waiting for approval"). */
export interface PendingRequest {
  id: string;
  profile: string;
  /** "ir", "cr", "kur" or "p10cr". */
  requestType?: string;
  subjectText: string;
  subjectAltNamesText?: string[];
  entity?: string;
  requester?: string;
  /** Why it waits: "approval" (an operator decides) or "signer" (retried by itself). */
  reason?: string;
  /** The rule that held it for approval. */
  holdReason?: string;
  /** "pending", "approved", "rejected", "expired", "issued" or "failed" today; shown as given. */
  status: string;
  createdAt?: string;
  expiresAt?: string;
  decisionReason?: string;
  decidedAt?: string;
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

export interface CertificateFilter {
  status?: string;
  profile?: string;
  entity?: string;
  subject?: string;
}
