/**
 * The JSON the admin API answers, as docs/admin-api.md describes it. The CLI
 * keeps its own copy of these shapes, rather than importing the server's, so
 * that it is a client of the documented contract and nothing more.
 */

export interface Entity {
  username: string;
  subject: string;
  subjectAltNames?: string[];
  profile: string;
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

/** The body of `POST /admin/entities`. */
export interface NewEntity {
  username: string;
  subject: string;
  subjectAltNames?: string[];
  profile: string;
  enrollmentCode?: string;
}

export interface CertificateFilter {
  status?: string;
  profile?: string;
  entity?: string;
  subject?: string;
}
