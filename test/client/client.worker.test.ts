import { describe, expect, it } from "vitest";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { CmpClient, type Fetch } from "../../src/client/index.js";
import { handleCmp } from "../../src/cmp/engine.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { loadConfig } from "../../src/config/load.js";
import { generateLocalKey, LocalSigner } from "../../src/kms/local.js";
import { MemoryStore } from "../../src/store/memory.js";

// The client inside workerd (no nodejs_compat): its WebCrypto, fetch
// Response and AbortSignal are the Workers ones. The engine answers in the
// same isolate through the client's `fetch` option, as a service binding would.

async function signer(): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
}

async function engineFetch(): Promise<{ fetch: Fetch; caCertificate: Uint8Array }> {
  const caSigner = await signer();
  const caCertificate = await createSelfSignedCa({ signer: caSigner, subject: "CN=Worker Test CA", validitySeconds: 86_400, now: new Date() });
  const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
  const context: EngineContext = {
    config,
    ca: { signer: caSigner, certificate: caCertificate, chain: [caCertificate] },
    store: new MemoryStore(),
    now: () => new Date(),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    warn: () => undefined,
  };
  const profile = config.profiles.get(config.defaultProfile)!;
  const fetch: Fetch = async (_url, init) => {
    const answer = await handleCmp(init.body, profile, context);
    return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
  };
  return { fetch, caCertificate };
}

describe("CmpClient in workerd", () => {
  it("ir with PBM and with PBMAC1, then cr signed with the new certificate", async () => {
    const { fetch, caCertificate } = await engineFetch();
    const url = "https://ca.example/.well-known/cmp";
    for (const algorithm of ["pbm", "pbmac1"] as const) {
      const client = new CmpClient({ url, fetch, protection: { mac: { reference: "dev", secret: "s3cret", algorithm } } });
      const result = await client.ir({ subject: `CN=worker-${algorithm}`, key: { signer: await signer() } });
      expect(result.caPubs).toEqual([caCertificate]);
    }
    const key = await signer();
    const first = await new CmpClient({ url, fetch, protection: { mac: { reference: "dev", secret: "s3cret" } } }).ir({ subject: "CN=worker", key: { signer: key } });
    const signed = new CmpClient({
      url,
      fetch,
      protection: { signature: { signer: key, certificates: [first.certificate] } },
      trust: { anchors: [caCertificate] },
    });
    const second = await signed.cr({ subject: "CN=worker-2", key: { signer: await signer() } });
    expect(second.extraCerts[0]).toEqual(caCertificate);
  });
});
