import { describe, expect, it } from "vitest";
import { createSelfSignedCa } from "../../src/ca/self_signed.js";
import { CmpClient, type Fetch } from "../../src/client/index.js";
import { handleCmp } from "../../src/cmp/engine.js";
import type { EngineContext } from "../../src/cmp/engine_types.js";
import { loadConfig } from "../../src/config/load.js";
import { privateKeyMatches } from "../../src/crypto/key_pair_match.js";
import { parseCertificate } from "../../src/crypto/parsed_certificate.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";
import { MemoryStore } from "../../src/store/memory.js";

// Central key generation (RFC 9483 §4.1.6) with the engine and the client
// both inside workerd (no nodejs_compat): generateKey, PBKDF2, AES-CBC,
// AES-KW, ECDH and RSA-OAEP are the Workers WebCrypto's, on both sides.

const URL = "https://ca.example/.well-known/cmp";

async function engineFetch(): Promise<{ fetch: Fetch; caCertificate: Uint8Array }> {
  const caSigner = await LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8);
  const caCertificate = await createSelfSignedCa({ signer: caSigner, subject: "CN=Worker Keygen CA", validitySeconds: 86_400, now: new Date() });
  const config = loadConfig({
    CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
    JELLYFISH_CONFIG: JSON.stringify({
      profiles: {
        default: {
          certificate: { keyUsage: ["digitalSignature", "keyEncipherment", "keyAgreement"] },
          centralKeyGeneration: { keyTypes: ["P-256", "P-384", "RSA", "Ed25519"] },
        },
      },
    }),
  });
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

describe("central key generation in workerd", () => {
  it("MAC (PWRI), then signed with an EC (KARI) and an RSA (KTRI) certificate", async () => {
    const { fetch, caCertificate } = await engineFetch();
    const mac = new CmpClient({ url: URL, fetch, protection: { mac: { reference: "dev", secret: "s3cret" } } });
    const generated = await mac.ir({ subject: "CN=worker-central", centralKeyGeneration: { keyType: "P-384" } });
    expect(await privateKeyMatches(generated.privateKey!, parseCertificate(generated.certificate).spki)).toBe(true);

    for (const kind of ["P-256", "RSA-2048"] as LocalKeyKind[]) {
      const { pkcs8 } = await generateLocalKey(kind);
      const signer = await LocalSigner.fromPkcs8(pkcs8);
      const { certificate } = await mac.ir({ subject: `CN=worker-${kind}`, key: { signer } });
      const signed = new CmpClient({ url: URL, fetch, protection: { signature: { signer, certificates: [certificate] } }, trust: { anchors: [caCertificate] } });
      const result = await signed.cr({ subject: `CN=worker-central-${kind}`, centralKeyGeneration: { keyType: "Ed25519", decryptionKey: pkcs8 } });
      expect(await privateKeyMatches(result.privateKey!, parseCertificate(result.certificate).spki)).toBe(true);
    }
  });
});
