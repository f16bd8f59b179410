import { expect, it } from "vitest";
import { healthReport, healthResponse, isHealthRequest } from "../../src/http/health.js";

it("knows /health (and /health/) from every other path", () => {
  expect(isHealthRequest("https://ca.example/health")).toBe(true);
  expect(isHealthRequest("https://ca.example/health/?probe=1")).toBe(true);
  expect(isHealthRequest("https://ca.example/healthz")).toBe(false);
  expect(isHealthRequest("https://ca.example/.well-known/cmp/p/health")).toBe(false);
  expect(isHealthRequest("https://ca.example/health/x")).toBe(false);
  expect(isHealthRequest("https://ca.example/.well-known/cmp")).toBe(false);
});

it("is ok only when every check is", async () => {
  expect(healthReport({ configuration: "ok", store: "ok" }).status).toBe("ok");
  const report = healthReport({ configuration: "ok", store: "unreachable" });
  expect(report).toEqual({ status: "unavailable", checks: { configuration: "ok", store: "unreachable" } });
  const response = healthResponse(report, "GET");
  expect([response.status, response.headers.get("retry-after"), response.headers.get("cache-control")]).toEqual([503, "30", "no-store"]);
  expect(await response.json()).toEqual(report);
  expect(await healthResponse(report, "HEAD").text()).toBe("");
});
