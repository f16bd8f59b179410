import { expect, it } from "vitest";
import { SignerError } from "../../src/kms/signer.js";
import type { Composed } from "../../src/runtime/compose.js";
import { Instance } from "../../src/runtime/instance.js";
import { Misconfigured } from "../../src/runtime/settings.js";

// An instance whose composition cannot be built: every request 503, /health
// naming the reason, the reason logged once; wrong settings are kept, a
// transient failure is tried again by the next request.

function failing(error: unknown) {
  let builds = 0;
  const lines: Array<Record<string, unknown>> = [];
  const instance = new Instance(
    async (): Promise<Composed> => {
      builds++;
      throw error;
    },
    (line) => lines.push(line as Record<string, unknown>),
  );
  return { instance, lines, builds: () => builds };
}

it("answers 503 everywhere, /health naming the setting, and logs it once", async () => {
  const { instance, lines, builds } = failing(new Misconfigured("CA_KEY is not set"));
  for (const path of ["/.well-known/cmp", "/admin/requests", "/ocsp"]) {
    const response = await instance.fetch(new Request(`http://ca.test${path}`, { method: "POST" }));
    expect([response.status, await response.text()]).toEqual([503, "misconfigured: CA_KEY is not set"]);
  }
  const health = await instance.fetch(new Request("http://ca.test/health"));
  expect(health.status).toBe(503);
  expect(await health.json()).toEqual({ status: "unavailable", checks: { configuration: "CA_KEY is not set" } });
  const post = await instance.fetch(new Request("http://ca.test/health", { method: "POST" }));
  expect(post.status).toBe(405);
  expect(lines).toEqual([{ level: "error", outcome: "misconfigured", error: "CA_KEY is not set" }]);
  expect(builds()).toBe(1);
  await expect(instance.prepare()).rejects.toThrow(Misconfigured);
});

it("tries a transient failure again with the next request, and prepare() survives it", async () => {
  const { instance, lines, builds } = failing(new SignerError("AWS KMS GetPublicKey throttled", true));
  await instance.prepare();
  const response = await instance.fetch(new Request("http://ca.test/.well-known/cmp", { method: "POST" }));
  expect([response.status, response.headers.get("retry-after")]).toEqual([503, "10"]);
  expect(builds()).toBe(2);
  expect(lines).toEqual([{ level: "error", outcome: "startup-failed", error: "startup failed: AWS KMS GetPublicKey throttled" }]);
});
