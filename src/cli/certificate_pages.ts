import { AdminApiError, type AdminClient } from "./admin_client.js";
import type { CertificateFilter, CertificatePage } from "./api_types.js";

/** The API's largest page (docs/admin-api.md: `limit` 1..1000). */
export const MAX_PAGE_SIZE = 1000;

/**
 * Follows `cursor` from page to page until `limit` certificates are in hand
 * or the server has no more. The result has the shape of one API page, with
 * the cursor to continue from when the limit stopped it early, so `--json`
 * output stays what a script would get from the API.
 *
 * A page may be short, or even empty, and still carry a cursor (a filtered
 * scan over a store that lists in fixed chunks), so only a missing cursor
 * ends the walk; a cursor the server repeats would loop forever and ends it
 * with an error instead.
 */
export async function collectCertificates(
  client: Pick<AdminClient, "listCertificates">,
  filter: CertificateFilter,
  limit: number,
): Promise<CertificatePage> {
  const certificates: CertificatePage["certificates"] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  while (certificates.length < limit) {
    const want = Math.min(limit - certificates.length, MAX_PAGE_SIZE);
    const page = await client.listCertificates(filter, want, cursor);
    if (page.certificates.length > want) {
      // A server that ignores `limit` gives more than asked; the cursor then
      // points past rows we drop, so it cannot be offered for continuing.
      certificates.push(...page.certificates.slice(0, want));
      return { certificates };
    }
    certificates.push(...page.certificates);
    if (page.cursor === undefined || page.cursor === "") return { certificates };
    if (seen.has(page.cursor)) throw new AdminApiError(200, `the server sent the cursor "${page.cursor}" twice; stopped to avoid a loop`);
    seen.add(page.cursor);
    cursor = page.cursor;
  }
  return cursor === undefined ? { certificates } : { certificates, cursor };
}
