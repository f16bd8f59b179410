/**
 * The one media type CMP over HTTP uses, in both directions (RFC 9811 §3.2).
 * Answers carry it exactly, without parameters: the OpenSSL 3.0 client
 * compares the whole header value (DESIGN.md).
 */
export const PKIXCMP = "application/pkixcmp";

/** True when a request's Content-Type names application/pkixcmp, whatever its case or parameters. */
export function isPkixCmp(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const essence = contentType.split(";", 1)[0] ?? "";
  return essence.trim().toLowerCase() === PKIXCMP;
}
