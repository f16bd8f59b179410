import { describe, expect, it } from "vitest";
import { AdminApiError } from "../../src/cli/admin_client.js";
import type { Certificate, CertificateFilter, CertificatePage } from "../../src/cli/api_types.js";
import { collectCertificates } from "../../src/cli/certificate_pages.js";

/** A client that answers a scripted list of pages and records what it was asked. */
function scripted(pages: CertificatePage[]) {
  const calls: { filter: CertificateFilter; limit?: number; cursor?: string }[] = [];
  return {
    calls,
    async listCertificates(filter: CertificateFilter, limit?: number, cursor?: string): Promise<CertificatePage> {
      calls.push({ filter, limit, cursor });
      const page = pages.shift();
      if (!page) throw new Error("asked for more pages than scripted");
      return page;
    },
  };
}

function certs(from: number, n: number): Certificate[] {
  return Array.from({ length: n }, (_, i) => ({ serial: (from + i).toString(16), subject: `CN=${from + i}`, status: "confirmed" }));
}

describe("collectCertificates", () => {
  it("asks each page for what is still missing, at most 1000, and passes the cursor on", async () => {
    const client = scripted([
      { certificates: certs(0, 1000), cursor: "a" },
      { certificates: certs(1000, 1000), cursor: "b" },
      { certificates: certs(2000, 500), cursor: "c" },
    ]);
    const result = await collectCertificates(client, { status: "confirmed" }, 2500);
    expect(client.calls).toEqual([
      { filter: { status: "confirmed" }, limit: 1000, cursor: undefined },
      { filter: { status: "confirmed" }, limit: 1000, cursor: "a" },
      { filter: { status: "confirmed" }, limit: 500, cursor: "b" },
    ]);
    expect(result.certificates).toHaveLength(2500);
    // Stopped by the limit with more to come: the cursor lets a script go on.
    expect(result.cursor).toBe("c");
  });

  it("goes on through short and empty pages while the server gives a cursor", async () => {
    const client = scripted([
      { certificates: certs(0, 2), cursor: "a" },
      { certificates: [], cursor: "b" },
      { certificates: certs(2, 1) },
    ]);
    const result = await collectCertificates(client, {}, 10);
    expect(client.calls.map((c) => [c.limit, c.cursor])).toEqual([[10, undefined], [8, "a"], [8, "b"]]);
    expect(result).toEqual({ certificates: certs(0, 3) });
  });

  it("keeps only --limit rows, and no cursor, from a server that sends more than asked", async () => {
    const client = scripted([{ certificates: certs(0, 7), cursor: "a" }]);
    expect(await collectCertificates(client, {}, 5)).toEqual({ certificates: certs(0, 5) });
  });

  it("refuses to loop on a cursor the server repeats", async () => {
    const client = scripted([
      { certificates: certs(0, 1), cursor: "same" },
      { certificates: certs(1, 1), cursor: "same" },
    ]);
    await expect(collectCertificates(client, {}, 100)).rejects.toThrow(AdminApiError);
  });

  it("an exact fit ends without a cursor when the server has no more", async () => {
    const client = scripted([{ certificates: certs(0, 3) }]);
    expect(await collectCertificates(client, {}, 3)).toEqual({ certificates: certs(0, 3) });
  });
});
