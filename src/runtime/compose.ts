import { randomBytes } from "../crypto/random_pool.js";
import type { Hono } from "hono/tiny";
import type { CertificateAuthority } from "../ca/authority.js";
import { checkRootCaUpdate } from "../ca/root_ca_update.js";
import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../ca/local_key_pair.js";
import { cmpSigner, type CmpSigner } from "../cmp/cmp_signer.js";
import type { KeyPackageSigner } from "../cms/signed_key_package.js";
import { hasKeyGenerationPurpose } from "../cms/key_generation_authority.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import type { EngineContext } from "../cmp/engine_types.js";
import { loadConfig } from "../config/load.js";
import type { JellyfishConfig } from "../config/profile.js";
import { SecretSealer } from "../crypto/sealed_secret.js";
import { createApp } from "../http/app.js";
import { operatorDirectory } from "../http/operators.js";
import type { BodyReader } from "../http/read_body.js";
import type { HeaderReader } from "../http/request_header.js";
import { SignerError } from "../kms/signer.js";
import { loadDelegatedResponder } from "../ocsp/delegated_responder.js";
import type { Store } from "../store/store.js";
import { consoleLog, type Log } from "./log.js";
import { configSource, Misconfigured, textSetting, type Settings } from "./settings.js";

/**
 * The composition every runtime shares (DESIGN.md, "One engine, three thin
 * runtimes"): settings -> configuration -> CA -> response signers -> sealer
 * -> store -> EngineContext -> the Hono app with its admin API. A runtime
 * only says where the settings come from and which store and CA key it has.
 */

export interface Platform {
  /** Environment variables or bindings by name (see docs/configuration.md). */
  settings: Settings;
  /**
   * The CA's signer and certificate chain, CA certificate first, already
   * checked to belong together. Throw Misconfigured (or any error, which is
   * taken as one) for wrong settings; a transient SignerError is retried by
   * the next request instead.
   */
  makeSigner(): Promise<KeyAndCertificates>;
  /** The state store; throw Misconfigured when the settings do not name one. */
  makeStore(): Store | Promise<Store>;
  /** Defaults to one JSON line per console line. */
  log?: Log;
  /** Tests pass a fixed clock and random source so answers are reproducible. */
  now?: () => Date;
  randomBytes?: (length: number) => Uint8Array;
  /** The runtime's own request body reader (Node: straight from the socket). */
  readBody?: BodyReader;
  /** The runtime's own request header reader (Node: from the IncomingMessage). */
  header?: HeaderReader;
}

export interface Composed {
  app: Hono;
  /** The engine's dependencies, for work outside a request (the expiry sweep). */
  context: EngineContext;
}

/** Builds everything; throws Misconfigured with a message that names the setting at fault. */
export async function compose(platform: Platform): Promise<Composed> {
  const { settings } = platform;
  const log = platform.log ?? consoleLog;
  // The order is the order an operator fixes things in: one message at a time.
  const config = attempt("JELLYFISH_CONFIG or CMP_SECRETS", () => loadConfig(configSource(settings)));
  const ca = await loadAuthority(platform);
  if (config.rootCaUpdate) await attemptAsync(() => checkRootCaUpdate(config.rootCaUpdate!, ca.chain));
  const responseSigners = await loadResponseSigners(config);
  const keyGenerationSigners = await loadKeyGenerationSigners(config, log);
  const { responder, validitySeconds } = config.publication.ocsp;
  const ocspResponder = responder && (await attemptAsync(() => loadDelegatedResponder(responder, ca, platform.now?.() ?? new Date())));
  const sealer = await loadSealer(settings, config);
  const store = await platform.makeStore();
  if (!store.atomic) log({ level: "warn", message: `store "${store.kind}" is not atomic; see docs/store.md` });
  const context: EngineContext = {
    config,
    ca,
    store,
    responseSigners,
    keyGenerationSigners,
    sealer,
    now: platform.now ?? (() => new Date()),
    randomBytes: platform.randomBytes ?? randomBytes,
    warn: (message, fields) => log({ level: "warn", message, ...fields }),
  };
  // Without an operator there is no admin API at all (docs/admin-api.md), not one that refuses everyone.
  const operators = await operatorDirectory(settings);
  const admin = operators
    ? {
        operators,
        registry: () => ({ config, store, sealer, now: context.now, randomBytes: context.randomBytes }),
        chain: () => ca.chain,
        crl: () => context,
        log,
      }
    : undefined;
  const publication = { context: () => context, log };
  const ocspContext = { ca, store, responder: ocspResponder, validitySeconds, now: context.now };
  const ocsp = { context: () => ocspContext };
  return { app: createApp({ config, context: () => context, log, admin, console: admin, publication, ocsp, readBody: platform.readBody, header: platform.header }), context };
}

async function loadAuthority(platform: Platform): Promise<CertificateAuthority> {
  let loaded: KeyAndCertificates;
  try {
    loaded = await platform.makeSigner();
  } catch (error) {
    // A KMS that is briefly unreachable is not a wrong setting: let it through so the next request retries.
    if (error instanceof Misconfigured || (error instanceof SignerError && error.transient)) throw error;
    throw new Misconfigured(messageOf(error));
  }
  const [certificate] = loaded.certificates;
  if (!certificate) throw new Misconfigured("CA_CERT holds no certificate");
  return { signer: loaded.signer, certificate, chain: loaded.certificates };
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

/** Key generation authorities of the profiles that configure one (CentralKeyGeneration.signer). */
async function loadKeyGenerationSigners(config: JellyfishConfig, log: Log): Promise<Map<string, KeyPackageSigner>> {
  const signers = new Map<string, KeyPackageSigner>();
  for (const profile of config.profiles.values()) {
    const reference = profile.centralKeyGeneration.signer;
    if (!reference) {
      if (profile.centralKeyGeneration.keyTypes.size > 0) {
        // Allowed (RFC 9483 §4.1.6: the CA may sign), but openssl cmp insists on id-kp-cmKGA, which a CA certificate lacks.
        log({ level: "warn", message: `profile "${profile.name}": the CA signs centrally generated keys; openssl cmp refuses that without a KGA signer (docs/central-key-generation.md)` });
      }
      continue;
    }
    const field = `profiles.${profile.name}.centralKeyGeneration.signer`;
    const { signer, certificates } = await attemptAsync(() =>
      loadLocalKeyAndCertificates(reference.keyPem, reference.certificatesPem, { key: `${field}.key`, certificates: `${field}.certificates` }),
    );
    if (!hasKeyGenerationPurpose(parseCertificate(certificates[0]!).certificate)) {
      throw new Misconfigured(`${field}.certificates: the first certificate lacks extendedKeyUsage id-kp-cmKGA (1.3.6.1.5.5.7.3.32), which a key generation authority needs (RFC 9483 §4.1.6)`);
    }
    signers.set(profile.name, { signer, certificates });
  }
  return signers;
}

/** The key that seals enrollment codes; required when a client-mode profile uses them. */
async function loadSealer(settings: Settings, config: JellyfishConfig): Promise<SecretSealer | undefined> {
  const key = textSetting(settings, "ENROLLMENT_CODE_KEY");
  const needed = [...config.profiles.values()].find((profile) => profile.mode === "client" && profile.enrollmentCodes);
  if (key === undefined) {
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

function attempt<T>(what: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new Misconfigured(`${what}: ${messageOf(error)}`);
  }
}

async function attemptAsync<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Misconfigured(messageOf(error));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
