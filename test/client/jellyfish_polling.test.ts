import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import { CmpClientError } from "../../src/client/index.js";
import { makeTestCa, type EngineServer, type TestCa } from "../support/engine_server.js";
import { exchanges, macClient, recordOf, startJellyfish, subjectOf } from "./jellyfish_harness.js";
import { newSigner } from "./keys.js";

// Delayed delivery (RFC 9810 §5.3.22): the "approval" profile holds every
// request ("hold": "all", checkAfter 1 s); an operator decides while the
// client polls on its own.

let ca: TestCa;
let server: EngineServer;

beforeAll(async () => {
  ca = await makeTestCa();
});
afterEach(async () => {
  await server?.stop();
});

async function pendingId(): Promise<string> {
  await expect.poll(() => listPendingRequests(server.store, "pending"), { timeout: 10_000 }).toHaveLength(1);
  return (await listPendingRequests(server.store, "pending"))[0]!.id;
}

async function polls(): Promise<void> {
  await expect.poll(() => server.logs.filter((log) => log.bodyType === "pollReq").length, { timeout: 10_000 }).toBeGreaterThan(0);
}

describe("polling", () => {
  it("waits, polls, and gets the certificate an operator approves meanwhile; then confirms it", async () => {
    server = await startJellyfish(ca);
    const enrollment = macClient(server, { profile: "approval" }).ir({ subject: "CN=approved", key: { signer: await newSigner() } });
    const id = await pendingId();
    await polls();
    expect(await decidePendingRequest(server.store, id, "approved", "known device", new Date())).toMatchObject({ status: "approved" });

    const result = await enrollment;
    expect(subjectOf(result.certificate)).toBe("CN=approved");
    expect(await recordOf(server, result.certificate)).toMatchObject({ status: "confirmed" });
    const seen = exchanges(server);
    expect(seen[0]).toEqual(["ir", "ip"]);
    expect(seen).toContainEqual(["pollReq", "pollRep"]);
    expect(seen.slice(-2)).toEqual([["pollReq", "ip"], ["certConf", "pkiconf"]]);
  });

  it("an operator's rejection reaches the polling client: rejected, with the reason", async () => {
    server = await startJellyfish(ca);
    const enrollment = macClient(server, { profile: "approval" }).ir({ subject: "CN=refused", key: { signer: await newSigner() } });
    const id = await pendingId();
    await decidePendingRequest(server.store, id, "rejected", "unknown device serial", new Date());
    const error = await enrollment.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmpClientError);
    expect(error).toMatchObject({ kind: "rejected", authenticated: true, failInfo: ["notAuthorized"] });
    expect((error as CmpClientError).statusString.join()).toContain("unknown device serial");
  });

  it("gives up with a timeout once the next checkAfter would pass pollLimitMs", async () => {
    server = await startJellyfish(ca);
    const started = Date.now();
    const error = await macClient(server, { profile: "approval", pollLimitMs: 1_500 })
      .ir({ subject: "CN=impatient", key: { signer: await newSigner() } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "timeout" });
    expect((error as CmpClientError).message).toContain("waiting for approval");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(exchanges(server).filter(([type]) => type === "pollReq").length).toBeGreaterThanOrEqual(1);
  });
});
