import { dnsNameMatches } from "../ca/issuance_policy.js";
import type { Profile } from "../config/profile.js";
import type { ApprovedRequest } from "./issuance.js";

/**
 * Why a request must wait for an operator's approval, or undefined when it
 * may be issued at once (profile.approval).
 */
export function holdReason(profile: Profile, approved: ApprovedRequest): string | undefined {
  const { hold, dnsNames } = profile.approval;
  if (hold === "all") return `profile "${profile.name}" holds every request for approval`;
  if (hold === "outsideDnsNames") {
    for (const name of approved.subjectAltName ?? []) {
      if (name.dNSName !== undefined && !dnsNames.some((pattern) => dnsNameMatches(name.dNSName!, pattern))) {
        return `subjectAltName DNS:${name.dNSName} is outside ${dnsNames.join(", ") || "the allowed names"}`;
      }
    }
  }
  return undefined;
}

/**
 * Why an rr must wait for an operator (RFC 9483 §4.4 delayed delivery), or
 * undefined when it is carried out at once (profile.approval.revocations).
 * `byRegistrationAuthority`: an RA revokes a certificate that is not the
 * one it signs with (RFC 9483 §4.2, §5.3.2).
 */
export function revocationHoldReason(profile: Profile, byRegistrationAuthority: boolean): string | undefined {
  const { revocations } = profile.approval;
  if (revocations === "all") return `profile "${profile.name}" holds every revocation for approval`;
  if (revocations === "registrationAuthority" && byRegistrationAuthority) return `profile "${profile.name}" holds revocations requested by an RA for approval`;
  return undefined;
}

/** Why a genm must wait for an operator (RFC 9483 §4.4), or undefined (profile.approval.generalMessages). */
export function generalMessageHoldReason(profile: Profile): string | undefined {
  return profile.approval.generalMessages === "all" ? `profile "${profile.name}" holds every general message for approval` : undefined;
}
