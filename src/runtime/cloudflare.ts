import type { DurableObjectNamespace, KVNamespace } from "@cloudflare/workers-types";
import type { Hono } from "hono";
import type { CertificateAuthority } from "../ca/authority.js";
import { loadLocalKeyAndCertificates } from "../ca/local_key_pair.js";
import { cmpSigner, type CmpSigner } from "../cmp/cmp_signer.js";
import type { JellyfishConfig } from "../config/profile.js";
import { SecretSealer } from "../crypto/sealed_secret.js";
import type { EngineContext } from "../cmp/engine_types.js";
import { expireStale } from "../cmp/expiry.js";
import { loadConfig } from "../config/load.js";
import { createApp } from "../http/app.js";
import { DurableObjectStore, StoreObject } from "../store/durable_object.js";
import { KvStore } from "../store/kv.js";
import type { Store } from "../store/store.js";

/**
 * The Cloudflare Workers entry (wrangler.toml `main`): reads the bindings,
 * builds the dependencies once per isolate, and hands requests to the app.
 */

// The Durable Object class behind the STORE_DO binding must be exported by the entry.
export { StoreObject };

export interface Env {
  JELLYFISH_CONFIG?: string;
  /** Secret: JSON object of MAC secrets by reference. */
  CMP_SECRETS?: string;
  /** Secret: the CA's PKCS #8 private key, PEM. */
  CA_KEY?: string;
  /** PEM: the CA certificate, then its chain up to the root. */
  CA_CERT?: string;
  /** Secret: 32 bytes (base64 or hex) that seal enrollment codes at rest. */
  ENROLLMENT_CODE_KEY?: string;
  /** Secret: bearer token of the admin API; absent, /admin is disabled. */
  ADMIN_TOKEN?: string;
  /** "durable-object" (default) or "kv" (not atomic: docs/store.md). */
  STORE?: string;
  STORE_DO: DurableObjectNamespace<StoreObject>;
  STORE_KV?: KVNamespace;
  /** Further bindings that JELLYFISH_CONFIG refers to as "env:NAME". */
  [binding: string]: unknown;
}

/** An operator error found while building: the bindings are wrong, not the request. */
class Misconfigured extends Error {}

let app: Promise<Hono> | undefined;
let engine: EngineContext | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    app ??= build(env);
    let ready: Hono;
    try {
      ready = await app;
    } catch (error) {
      const what = error instanceof Misconfigured ? error.message : `startup failed: ${String(error)}`;
      log({ level: "error", outcome: "misconfigured", error: what });
      return new Response(`misconfigured: ${what}`, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    return ready.fetch(request);
  },

  /** The cron trigger of wrangler.toml: expire waiting requests and unconfirmed certificates. */
  async scheduled(_controller: unknown, env: Env): Promise<void> {
    app ??= build(env);
    try {
      await app;
    } catch {
      return; // misconfigured: fetch() reports it
    }
    const sweep = await expireStale(engine!);
    log({ outcome: "expiry", ...sweep });
  },
};

async function build(env: Env): Promise<Hono> {
  const config = attempt("JELLYFISH_CONFIG or CMP_SECRETS", () => loadConfig(env));
  const ca = await loadAuthority(env);
  const responseSigners = await loadResponseSigners(config);
  const sealer = await loadSealer(env, config);
  const store = openStore(env);
  if (!store.atomic) log({ level: "warn", message: `store "${store.kind}" is not atomic; see docs/store.md` });
  const context: EngineContext = {
    config,
    ca,
    store,
    responseSigners,
    sealer,
    now: () => new Date(),
    randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
    warn: (message, fields) => log({ level: "warn", message, ...fields }),
  };
  engine = context;
  const token = typeof env.ADMIN_TOKEN === "string" && env.ADMIN_TOKEN !== "" ? env.ADMIN_TOKEN : undefined;
  const admin = token
    ? {
        token,
        registry: () => ({ config, store, sealer, now: context.now, randomBytes: context.randomBytes }),
        chain: () => ca.chain,
        log,
      }
    : undefined;
  return createApp({ config, context: () => context, log, admin });
}

async function loadAuthority(env: Env): Promise<CertificateAuthority> {
  if (typeof env.CA_KEY !== "string" || !env.CA_KEY) throw new Misconfigured("CA_KEY is not set");
  if (typeof env.CA_CERT !== "string" || !env.CA_CERT) throw new Misconfigured("CA_CERT is not set");
  const { signer, certificates } = await attemptAsync(() =>
    loadLocalKeyAndCertificates(env.CA_KEY!, env.CA_CERT!, { key: "CA_KEY", certificates: "CA_CERT" }),
  );
  return { signer, certificate: certificates[0]!, chain: certificates };
}

/** The key that seals enrollment codes; required when a client-mode profile uses them. */
async function loadSealer(env: Env, config: JellyfishConfig): Promise<SecretSealer | undefined> {
  const key = env.ENROLLMENT_CODE_KEY;
  const needed = [...config.profiles.values()].find((profile) => profile.mode === "client" && profile.enrollmentCodes);
  if (typeof key !== "string" || key === "") {
    if (needed) throw new Misconfigured(`profile "${needed.name}" uses enrollment codes, but ENROLLMENT_CODE_KEY is not set`);
    return undefined;
  }
  return attemptAsync(async () => {
    try {
      return await SecretSealer.fromBinding(key);
    } catch (error) {
      throw new Error(`ENROLLMENT_CODE_KEY ${(error as Error).message}`);
    }
  });
}

/** Dedicated CMP signers of the profiles that configure one (Profile.responseSigner). */
async function loadResponseSigners(config: JellyfishConfig): Promise<Map<string, CmpSigner>> {
  const signers = new Map<string, CmpSigner>();
  for (const profile of config.profiles.values()) {
    if (!profile.responseSigner) continue;
    const field = `profiles.${profile.name}.responseSigner`;
    const { signer, certificates } = await attemptAsync(() =>
      loadLocalKeyAndCertificates(profile.responseSigner!.keyPem, profile.responseSigner!.certificatesPem, {
        key: `${field}.key`,
        certificates: `${field}.certificates`,
      }),
    );
    signers.set(profile.name, cmpSigner(signer, certificates));
  }
  return signers;
}

function openStore(env: Env): Store {
  const kind = env.STORE || "durable-object";
  if (kind === "durable-object") {
    if (!env.STORE_DO) throw new Misconfigured("STORE_DO binding is missing");
    return new DurableObjectStore(env.STORE_DO);
  }
  if (kind === "kv") {
    if (!env.STORE_KV) throw new Misconfigured('STORE is "kv" but the STORE_KV binding is missing');
    return new KvStore(env.STORE_KV);
  }
  throw new Misconfigured(`STORE must be "durable-object" or "kv", not "${kind}"`);
}

function log(line: object): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...line }));
}

function attempt<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new Misconfigured(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function attemptAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Misconfigured(error instanceof Error ? error.message : String(error));
  }
}
