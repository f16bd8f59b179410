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
