import type { ErrorMsgContent } from "../asn1/error_msg_content.js";
import type { FailInfoName } from "../asn1/pki_failure_info.js";
import { PKIStatus, type PKIStatusInfo } from "../asn1/pki_status.js";

/** PKIStatus by name (RFC 9810 §5.2.3): "accepted", "rejection", "waiting", ... */
export type PKIStatusName = keyof typeof PKIStatus;

/**
 * A PKIStatusInfo (RFC 9810 §5.2.3) as plain data: what the server said
 * about a request, for callers and for CmpClientError.
 */
export interface StatusInfo {
  status: PKIStatusName | `unknown(${number})`;
  /** statusString: the server's explanation, one entry per PKIFreeText string. */
  statusString: string[];
  /** The PKIFailureInfo bits that are set, by name. */
  failInfo: FailInfoName[];
}

export function describeStatusInfo(info: PKIStatusInfo): StatusInfo {
  const name = PKIStatus[info.status] as PKIStatusName | undefined;
  return {
    status: name ?? `unknown(${info.status})`,
    statusString: info.statusString ? [...info.statusString] : [],
    failInfo: info.failInfo ? info.failInfo.toNames() : [],
  };
}

/** The status of an `error` body (RFC 9810 §5.3.21), its errorDetails added to statusString. */
export function describeErrorContent(error: ErrorMsgContent): StatusInfo {
  const info = describeStatusInfo(error.pKIStatusInfo);
  if (error.errorDetails) info.statusString.push(...error.errorDetails);
  return info;
}

/** One line for error messages: "rejection (badMessageCheck): MAC verification failed". */
export function formatStatusInfo(info: StatusInfo): string {
  const bits = info.failInfo.length > 0 ? ` (${info.failInfo.join(", ")})` : "";
  const text = info.statusString.length > 0 ? `: ${info.statusString.join("; ")}` : "";
  return `${info.status}${bits}${text}`;
}
