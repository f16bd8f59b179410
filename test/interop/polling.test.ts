import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AsnConvert } from "@peculiar/asn1-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PKIMessage, bodyType } from "../../src/asn1/index.js";
import { CMP_CLIENTS, makeKey, makeCaFiles, makeTempDir, mustOpenssl, opensslCmp, type CmpClient, type TempDir } from "../support/openssl.js";
import { startWorker, type RunningWorker } from "../support/worker.js";

// Issue 5's acceptance against the real Worker: a held ir, the client polling
// on its own, an operator deciding through the admin API while it polls; and
// two instances sharing one Durable Object store. With both clients, OpenSSL
// 3.0 and 3.5 (whose polling code was rewritten in 3.3).

const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const CONFIG = { profiles: { approval: { approval: { hold: "all", checkAfterSeconds: 1 } } } };
let dir: TempDir;
let caKey: string;
let caCert: string;

beforeAll(async () => {
  dir = await makeTempDir();
  ({ keyPem: caKey, certPem: caCert } = await makeCaFiles(dir));
});
afterAll(() => dir.remove());

function start(twoInstances = false): Promise<RunningWorker> {
  return startWorker({ caKey, caCert, secrets: { dev: "s3cret" }, config: CONFIG, vars: { ADMIN_TOKEN }, twoInstances });
}

function ir(url: string, name: string, client: CmpClient) {
  return makeKey(dir.file(`${name}-${client}.key`)).then((key) =>
    opensslCmp([
      "-cmd", "ir", "-server", `${url}/.well-known/cmp/p/approval`, "-ref", "dev", "-secret", "pass:s3cret", "-newkey", key,
      "-subject", `/CN=${name}`, "-certout", dir.file(`${name}-${client}.pem`), "-total_timeout", "60",
    ], { client }),
  );
}

async function admin(worker: RunningWorker, method: string, path: string, body?: object) {
  const response = await fetch(`${worker.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function waitingRequests(worker: RunningWorker) {
  return (await admin(worker, "GET", "/requests")).body.requests as Array<{ id: string; subjectText: string }>;
}

describe.each(CMP_CLIENTS)("openssl cmp %s", (client) => {
  describe("manual approval against the Worker", () => {
    let worker: RunningWorker;
    beforeAll(async () => {
      worker = await start();
    });
    afterAll(() => worker.stop());

    it("the client polls (pollReq/pollRep in the log); an approval through the admin API delivers, and the client confirms", async () => {
      const running = ir(worker.url, "approved-device", client);
      await expect.poll(() => waitingRequests(worker), { timeout: 15_000 }).toHaveLength(1);
      await expect.poll(() => worker.logLines().filter((l) => l.bodyType === "pollReq" && l.responseType === "pollRep").length, { timeout: 15_000 }).toBeGreaterThan(0);
      const [request] = await waitingRequests(worker);
      expect(request!.subjectText).toBe("CN=approved-device");
      expect((await admin(worker, "POST", `/requests/${request!.id}/approve`, {})).status).toBe(200);

      const result = await running;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file(`approved-device-${client}.pem`)])).toContain("OK");
      await expect.poll(() => worker.logLines().filter((l) => l.bodyType === "certConf").map((l) => l.outcome)).toEqual(["confirmed"]);
    });

    it("a rejection through the admin API: the client exits with the rejection and its reason", async () => {
      const running = ir(worker.url, "rejected-device", client);
      await expect.poll(() => waitingRequests(worker), { timeout: 15_000 }).toHaveLength(1);
      const [request] = await waitingRequests(worker);
      expect((await admin(worker, "POST", `/requests/${request!.id}/reject`, { reason: "not in the asset register" })).status).toBe(200);
      const result = await running;
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toContain("not in the asset register");
    });
  });

  describe("two instances sharing one store", () => {
    it("the ir is answered by one instance, the polls and the certConf by the other", async () => {
      const worker = await start(true);
      const served: Array<[string, string]> = [];
      // A router: the first message to the first instance, every later one to the second.
      const router = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        const target = served.length === 0 ? worker.url : worker.secondUrl!;
        served.push([bodyType(AsnConvert.parse(body, PKIMessage).body), target === worker.url ? "first" : "second"]);
        const answer = await fetch(`${target}${req.url}`, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body });
        const bytes = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, { "content-type": "application/pkixcmp", "content-length": bytes.length }).end(bytes);
      });
      await new Promise<void>((done) => router.listen(0, "127.0.0.1", done));
      try {
        const running = ir(`http://127.0.0.1:${(router.address() as AddressInfo).port}`, "roaming-device", client);
        await expect.poll(() => waitingRequests(worker), { timeout: 15_000 }).toHaveLength(1);
        const [request] = await waitingRequests(worker);
        expect((await admin(worker, "POST", `/requests/${request!.id}/approve`, {})).status).toBe(200);
        const result = await running;
        expect(result.code, result.stdout + result.stderr).toBe(0);
        expect(served[0]).toEqual(["ir", "first"]);
        expect(served.slice(1).every(([, instance]) => instance === "second")).toBe(true);
        expect(served.map(([type]) => type)).toEqual(expect.arrayContaining(["pollReq", "certConf"]));
      } finally {
        await new Promise<void>((done) => router.close(() => done()));
        await worker.stop();
      }
    });
  });
});
