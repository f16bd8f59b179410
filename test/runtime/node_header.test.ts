import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { requestHeader } from "../../src/http/request_header.js";
import { incomingHeader } from "../../src/runtime/node_body.js";

// The Node header reader against what Headers.get answers for the same fields.
describe("incomingHeader", () => {
  const context = (rawHeaders: string[] | undefined) => ({ env: rawHeaders ? { incoming: { rawHeaders } } : {}, req: { header: () => "from Headers" } }) as unknown as Context;

  it("answers as Headers.get does: any case, trimmed, several fields joined with a comma", () => {
    const cases: string[][] = [
      ["Host", "x", "Content-Type", " application/pkixcmp "],
      ["host", "x", "CONTENT-TYPE", "a", "Accept", "b", "content-type", "c"],
      ["Host", "x"],
    ];
    for (const raw of cases) {
      const headers = new Headers();
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      expect(incomingHeader(context(raw), "content-type")).toBe(headers.get("content-type") ?? undefined);
      expect(incomingHeader(context(raw), "Content-Type")).toBe(headers.get("content-type") ?? undefined);
    }
  });

  it("leaves the header to c.req.header off Node or when absent", () => {
    expect(incomingHeader(context(undefined), "content-type")).toBeUndefined();
    expect(requestHeader(context(undefined), "content-type", incomingHeader)).toBe("from Headers");
    expect(requestHeader(context(["Content-Type", "a/b"]), "content-type", incomingHeader)).toBe("a/b");
    expect(requestHeader(context(["Content-Type", "a/b"]), "content-type")).toBe("from Headers");
  });
});
