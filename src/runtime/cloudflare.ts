// The names of ASN.1 types in the codec's messages, which keep_names = false (wrangler.toml) would otherwise minify.
import "../asn1/type_names.js";
import type { DurableObjectNamespace, KVNamespace } from "@cloudflare/workers-types";
import { DurableObjectStore, StoreObject } from "../store/durable_object.js";
import { KvStore } from "../store/kv.js";
import type { Store } from "../store/store.js";
import { compose } from "./compose.js";
import { Instance } from "./instance.js";
import { Misconfigured } from "./settings.js";
import { workerCaSigner, workerStoreKind } from "./worker_settings.js";

/**
 * The Cloudflare Workers entry (wrangler.toml `main`): the bindings are the
 * settings, the store is a Durable Object (or KV), the CA key a secret.
 * Everything else is src/runtime/compose.ts, built once per isolate.
 */

// The Durable Object class behind the STORE_DO binding must be exported by the entry.
export { StoreObject };

export interface Env {
  /** JSON text (a var, `--var` or a secret), or the object a `[vars.JELLYFISH_CONFIG]` table in wrangler.toml gives. */
  JELLYFISH_CONFIG?: string | Record<string, unknown>;
  /** Secret: JSON object of MAC secrets by reference. */
  CMP_SECRETS?: string;
  /** Secret: the CA's PKCS #8 private key, PEM. */
  CA_KEY?: string;
  /** PEM: the CA certificate, then its chain up to the root. */
  CA_CERT?: string;
  /** The CA key in AWS KMS instead of CA_KEY (docs/aws-kms.md); with AWS_REGION and the AWS_* secrets. */
  CA_KMS_KEY_ID?: string;
  /** Secret: 32 bytes (base64 or hex) that seal enrollment codes at rest. */
  ENROLLMENT_CODE_KEY?: string;
  /** Secret: the administrator "admin"'s bearer token (src/http/operators.ts). */
  ADMIN_TOKEN?: string;
  /** Secret: JSON, named operators with roles and tokens; with neither, /admin is disabled. */
  ADMIN_TOKENS?: string;
  /** "durable-object" (default) or "kv" (not atomic: docs/store.md). */
  STORE?: string;
  STORE_DO: DurableObjectNamespace<StoreObject>;
  STORE_KV?: KVNamespace;
  /** Further bindings that JELLYFISH_CONFIG refers to as "env:NAME". */
  [binding: string]: unknown;
}

// Bindings are fixed for an isolate's life, so the first call's env is the env.
let instance: Instance | undefined;

function instanceFor(env: Env): Instance {
  instance ??= new Instance(() => compose({ settings: env, makeSigner: () => workerCaSigner(env), makeStore: () => openStore(env) }));
  return instance;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return instanceFor(env).fetch(request);
  },

  /** The cron trigger of wrangler.toml: expire waiting requests and unconfirmed certificates. */
  async scheduled(_controller: unknown, env: Env): Promise<void> {
    await instanceFor(env).sweep();
  },
};

function openStore(env: Env): Store {
  const { kind } = workerStoreKind(env);
  if (kind === "kv") {
    if (!env.STORE_KV) throw new Misconfigured('STORE is "kv" but the STORE_KV binding is missing');
    return new KvStore(env.STORE_KV);
  }
  if (!env.STORE_DO) throw new Misconfigured("STORE_DO binding is missing");
  return new DurableObjectStore(env.STORE_DO);
}
