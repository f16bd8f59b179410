import { describe, expect, it } from "vitest";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { CmpClient, type Fetch } from "../../src/client/index.js";
import { handleCmp } from "../../src/cmp/engine.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { loadConfig } from "../../src/config/load.js";
import { generateLocalKey, LocalSigner } from "../../src/kms/local.js";
import { DurableObjectStore } from "../../src/store/durable_object.js";
import { testEnv } from "./worker_env.js";

// Issue 15: one Durable Object call per CMP message. The engine runs in
// workerd on the real DurableObjectStore; the namespace handed to it counts
// every RPC made through its stubs, and each message's count is filed under
// the message's body type. A count, not a speed: it does not depend on the machine.

type Namespace = ConstructorParameters<typeof DurableObjectStore>[0];

function countingNamespace(inner: Namespace, calls: string[]): Namespace {
  return {
    idFromName: (name: string) => inner.idFromName(name),
    get: (id: Parameters<Namespace["get"]>[0]) => {
      const stub = inner.get(id);
      return new Proxy(stub, {
        get(target, property) {
          // Called on the stub itself, never detached: an RPC method is a property of its stub.
          const rpc = target as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
          if (typeof property === "symbol" || property === "then") return rpc[property];
          return (...args: unknown[]) => {
            calls.push(property);
            return rpc[property]!(...args);
          };
        },
      });
    },
  } as unknown as Namespace;
}

async function signer(): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
}

describe("Durable Object calls per CMP message", () => {
  it("an ir and its certConf (MAC), then a cr and its certConf (signature): one call each", async () => {
    const calls: string[] = [];
    const perMessage: Array<[string, string[]]> = [];
    const caSigner = await signer();
    const caCertificate = await createSelfSignedCa({ signer: caSigner, subject: "CN=DO Calls CA", validitySeconds: 86_400, now: new Date() });
    const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
    const context: EngineContext = {
      config,
      ca: { signer: caSigner, certificate: caCertificate, chain: [caCertificate] },
      store: new DurableObjectStore(countingNamespace(testEnv.STORE_DO, calls), { name: crypto.randomUUID() }),
      now: () => new Date(),
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
      warn: (message, details) => console.warn(message, JSON.stringify(details)),
    };
    const profile = config.profiles.get(config.defaultProfile)!;
    const fetch: Fetch = async (_url, init) => {
      calls.length = 0;
      const answer = await handleCmp(init.body, profile, context);
      perMessage.push([`${answer.log.bodyType}->${answer.log.responseType}`, [...calls]]);
      return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
    };
    const url = "https://ca.example/.well-known/cmp";
    const key = await signer();
    const first = await new CmpClient({ url, fetch, protection: { mac: { reference: "dev", secret: "s3cret" } } }).ir({ subject: "CN=calls", key: { signer: key } });
    await new CmpClient({ url, fetch, protection: { signature: { signer: key, certificates: [first.certificate] } }, trust: { anchors: [caCertificate] } }).cr({
      subject: "CN=calls-2",
      key: { signer: await signer() },
    });
    expect(perMessage).toEqual([
      ["ir->ip", ["batchEntries"]],
      ["certConf->pkiconf", ["batchEntries"]],
      ["cr->cp", ["batchEntries"]],
      ["certConf->pkiconf", ["batchEntries"]],
    ]);
  });
});
