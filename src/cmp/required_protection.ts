import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { Credentials } from "./protection.js";

/**
 * Messages whose protection must be a signature, whatever the profile
 * allows otherwise: a MAC there is the wrong kind of integrity protection
 * (RFC 9810 §5.2.3 wrongIntegrity), refused before the secret is looked up.
 * RFC 9483 §4.1.3: a kur is signed with the certificate being updated.
 * RFC 9483 §5.2.2.1: a registration authority protects what it nests with
 * a signature.
 */
export function checkProtectionKind(type: PKIBodyType, mac: boolean): void {
  if (mac && type === "nested") {
    throw new CmpError("wrongIntegrity", "a nested message must be signed by the registration authority that sends it, not MAC-protected (RFC 9483 §5.2.2)");
  }
  if (mac && type === "kur") {
    throw new CmpError("wrongIntegrity", "a key update request must be signed with the certificate being updated, not MAC-protected (RFC 9483 §4.1.3)");
  }
}

/**
 * RFC 9483 §4.2: an end entity revokes its certificate with an rr signed by
 * that certificate. A MAC proves no hold of it; only an RA the profile
 * trusts may revoke with MAC protection (RA mode, RFC 9483 §5; EJBCA's RA
 * mode with HMAC).
 */
export function checkAuthenticatedProtectionKind(type: PKIBodyType, credentials: Credentials): void {
  if (credentials.kind === "mac" && type === "rr" && !credentials.registrationAuthority) {
    throw new CmpError(
      "wrongIntegrity",
      "a revocation request must be signed with the certificate to be revoked (RFC 9483 §4.2); MAC protection is accepted only from a registration authority",
    );
  }
}
