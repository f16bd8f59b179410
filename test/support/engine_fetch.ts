import { CmpClient, type CmpClientOptions, type Fetch } from "../../src/client/index.js";
import { decodeRequest as decodeMessage, type DecodedRequest } from "../../src/cmp/decode.js";
import { handleCmp } from "../../src/cmp/engine.js";
import type { CmpLogEntry, EngineContext } from "../../src/cmp/engine_types.js";
import { loadConfig, type ConfigSource } from "../../src/config/load.js";
import type { SecretSealer } from "../../src/crypto/sealed_secret.js";
import type { Store } from "../../src/store/store.js";
import type { CmpSigner } from "../../src/cmp/cmp_signer.js";
import type { Signer } from "../../src/kms/signer.js";
import type { TestCa } from "./test_ca.js";

/**
 * The engine in this isolate, reached by the client library through its
 * `fetch` option (as a service binding would): no socket, no `node:`
 * import, so the same test runs in Node and inside workerd, on any Store.
 * For openssl-driven tests over HTTP see engine_server.ts.
 */
export interface InProcessEngine {
  context: EngineContext;
  store: Store;
  /** One entry per message the engine answered, in order of completion. */
  logs: CmpLogEntry[];
  /** HTTP statuses the engine answered with (200, or 400 for non-PKIMessages). */
  statuses: number[];
  /** Every request and its answer, as bytes, in order of completion. */
  exchanges: Array<{ request: Uint8Array; answer: Uint8Array }>;
  fetch: Fetch;
  /** Send raw request bytes to `profile` as a client would; the decoded answer (undefined when it is not a PKIMessage). */
  post(request: Uint8Array, profile?: string): Promise<DecodedRequest | undefined>;
  url: (profile?: string) => string;
  /** A client of `profile` with the MAC reference "dev". */
  macClient(options?: Partial<CmpClientOptions> & { profile?: string; reference?: string; secret?: string }): CmpClient;
  /** A client that signs with `signer` and `certificate`, trusting the test CA. */
  signatureClient(signer: Signer, certificate: Uint8Array, options?: Partial<CmpClientOptions> & { profile?: string }): CmpClient;
}

export const DEV_SECRETS = { CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) };

export function inProcessEngine(options: {
  ca: TestCa;
  store: Store;
  config?: ConfigSource;
  now?: () => Date;
  sealer?: SecretSealer;
  responseSigners?: ReadonlyMap<string, CmpSigner>;
  warn?: EngineContext["warn"];
}): InProcessEngine {
  const config = loadConfig(options.config ?? DEV_SECRETS);
  const context: EngineContext = {
    config,
    ca: options.ca.ca,
    store: options.store,
    now: options.now ?? (() => new Date()),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    sealer: options.sealer,
    responseSigners: options.responseSigners,
    warn: options.warn ?? (() => undefined),
  };
  const logs: CmpLogEntry[] = [];
  const statuses: number[] = [];
  const exchanges: InProcessEngine["exchanges"] = [];
  const base = "https://jellyfish.test/.well-known/cmp";
  const fetch: Fetch = async (url, init) => {
    const name = /\/p\/([^/]+)$/.exec(String(url))?.[1] ?? config.defaultProfile;
    const profile = config.profiles.get(name);
    if (!profile) return new Response(null, { status: 404 });
    const answer = await handleCmp(init.body, profile, context);
    logs.push(answer.log);
    statuses.push(answer.httpStatus);
    exchanges.push({ request: init.body, answer: answer.body });
    return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
  };
  const url = (profile?: string) => (profile ? `${base}/p/${profile}` : base);
  return {
    context,
    store: options.store,
    logs,
    statuses,
    exchanges,
    fetch,
    url,
    async post(request, profile) {
      const response = await fetch(url(profile), {
        method: "POST",
        headers: { "content-type": "application/pkixcmp" },
        body: request,
        redirect: "manual",
        signal: new AbortController().signal,
      });
      return decodeMessage(new Uint8Array(await response.arrayBuffer()));
    },
    macClient: ({ profile, reference = "dev", secret = "s3cret", ...rest } = {}) =>
      new CmpClient({ url: url(profile), fetch, protection: { mac: { reference, secret } }, ...rest }),
    signatureClient: (signer, certificate, { profile, ...rest } = {}) =>
      new CmpClient({
        url: url(profile),
        fetch,
        protection: { signature: { signer, certificates: [certificate] } },
        trust: { anchors: [options.ca.ca.certificate] },
        ...rest,
      }),
  };
}
