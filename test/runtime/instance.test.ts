import { expect, it } from "vitest";
import { SignerError } from "../../src/kms/signer.js";
import type { Composed } from "../../src/runtime/compose.js";
import { Instance, TRANSIENT_RETRY_MS } from "../../src/runtime/instance.js";
import { Misconfigured } from "../../src/runtime/settings.js";

// An instance whose composition cannot be built: every request 503, /health
// naming the reason, the reason logged once; wrong settings are kept, a
// transient failure is tried again by the next request.

function failing(error: unknown) {
  let builds = 0;
  let now = 1_000_000;
  const lines: Array<Record<string, unknown>> = [];
  const instance = new Instance(
    async (): Promise<Composed> => {
      builds++;
      throw error;
    },
    (line) => lines.push(line as Record<string, unknown>),
    () => now,
  );
  return { instance, lines, builds: () => builds, advance: (ms: number) => (now += ms) };
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

it("tries a transient failure again once its pause is over, and prepare() survives it", async () => {
  const { instance, lines, builds, advance } = failing(new SignerError("AWS KMS GetPublicKey throttled", true));
  await instance.prepare();
  // A burst within the pause (requests and health probes alike) shares the failed attempt: no KMS call each.
  for (let i = 0; i < 5; i++) {
    const response = await instance.fetch(new Request("http://ca.test/.well-known/cmp", { method: "POST" }));
    expect([response.status, response.headers.get("retry-after")]).toEqual([503, "10"]);
    expect((await instance.fetch(new Request("http://ca.test/health"))).status).toBe(503);
  }
  expect(builds()).toBe(1);
  advance(TRANSIENT_RETRY_MS);
  await instance.fetch(new Request("http://ca.test/.well-known/cmp", { method: "POST" }));
  expect(builds()).toBe(2);
  expect(lines).toEqual([{ level: "error", outcome: "startup-failed", error: "startup failed: AWS KMS GetPublicKey throttled" }]);
});

it("serves once a transient failure has passed", async () => {
  let calls = 0;
  let now = 0;
  const app = { fetch: () => new Response("served") } as unknown as Composed["app"];
  const instance = new Instance(
    async (): Promise<Composed> => {
      if (++calls === 1) throw new SignerError("AWS KMS GetPublicKey timed out", true);
      return { app, context: {} as Composed["context"] };
    },
    () => undefined,
    () => now,
  );
  expect((await instance.fetch(new Request("http://ca.test/.well-known/cmp"))).status).toBe(503);
  now += TRANSIENT_RETRY_MS;
  expect(await (await instance.fetch(new Request("http://ca.test/.well-known/cmp"))).text()).toBe("served");
  expect(calls).toBe(2);
});
