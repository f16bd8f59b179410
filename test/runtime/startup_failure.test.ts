import { expect, it } from "vitest";
import { SignerError } from "../../src/kms/signer.js";
import { Misconfigured } from "../../src/runtime/settings.js";
import { StartupFailureLog, startupFailure, unavailableResponse } from "../../src/runtime/startup_failure.js";

// While the instance cannot be built: 503 with Retry-After (never 500), the
// reason in the body and in the log, logged once per message and minute.

it("answers a wrong setting with 503, a long Retry-After and the message", async () => {
  const response = unavailableResponse(startupFailure(new Misconfigured("CA_KEY is not set")));
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("300");
  expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  expect(await response.text()).toBe("misconfigured: CA_KEY is not set");
});

it("answers a transient failure with 503 and a short Retry-After", async () => {
  const response = unavailableResponse(startupFailure(new SignerError("AWS KMS GetPublicKey timed out", true)));
  expect([response.status, response.headers.get("retry-after")]).toEqual([503, "10"]);
  expect(await response.text()).toBe("unavailable: startup failed: AWS KMS GetPublicKey timed out");
});

it("logs a message once a minute, and a new message at once", () => {
  const lines: object[] = [];
  let now = 0;
  const log = new StartupFailureLog((line) => lines.push(line), () => now);
  const wrong = startupFailure(new Misconfigured("CA_KEY is not set"));
  for (let i = 0; i < 100; i++) log.report(wrong);
  expect(lines).toEqual([{ level: "error", outcome: "misconfigured", error: "CA_KEY is not set" }]);
  log.report(startupFailure(new Error("KMS down")));
  expect(lines.at(-1)).toEqual({ level: "error", outcome: "startup-failed", error: "startup failed: KMS down" });
  log.report(startupFailure(new Error("KMS down")));
  expect(lines).toHaveLength(2);
  now = 60_000;
  log.report(startupFailure(new Error("KMS down")));
  expect(lines).toHaveLength(3);
});
