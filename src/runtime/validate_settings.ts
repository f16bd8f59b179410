import type { CertificateAuthority } from "../ca/authority.js";
import { checkRootCaUpdate } from "../ca/root_ca_update.js";
import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../ca/local_key_pair.js";
import { cmpSigner, type CmpSigner } from "../cmp/cmp_signer.js";
import type { KeyPackageSigner } from "../cms/signed_key_package.js";
import { hasKeyGenerationPurpose } from "../cms/key_generation_authority.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { loadConfig } from "../config/load.js";
import type { JellyfishConfig } from "../config/profile.js";
import { SecretSealer } from "../crypto/sealed_secret.js";
import { MIN_TOKEN_CHARS, operatorDirectory, type OperatorDirectory } from "../http/operators.js";
import { SignerError } from "../kms/signer.js";
import { loadDelegatedResponder } from "../ocsp/delegated_responder.js";
import type { Store } from "../store/store.js";
import type { Log } from "./log.js";
import { configSource, Misconfigured, textSetting, type Settings } from "./settings.js";

/**
 * Everything the settings decide, checked and loaded: the one start-up
 * check that compose() runs before it serves and `npm run config:check`
 * runs before a deploy, so the two cannot disagree about what is wrong.
 * It throws Misconfigured with a message that names the setting at fault
 * (never its value), the first fault only, in the order an operator fixes
 * things; a transient SignerError (KMS unreachable) passes through as it is.
 */

/** What a store must say about itself to be checked; config:check passes a description, not a connection. */
export type StoreKind = Pick<Store, "kind" | "atomic">;

export interface StartupSettings<S extends StoreKind = Store> {
  settings: Settings;
  /** The CA key and chain, already checked to belong together (src/runtime/backends.ts, worker_settings.ts). */
  makeSigner(): Promise<KeyAndCertificates>;
  /** The store, or what the settings name as one; throws Misconfigured for an unknown kind. Must not connect. */
  makeStore(): S | Promise<S>;
  log: Log;
  /** Validity of the OCSP responder's certificate is judged at this time. */
  now?: () => Date;
}

export interface ValidSettings<S extends StoreKind = Store> {
  config: JellyfishConfig;
  ca: CertificateAuthority;
  responseSigners: Map<string, CmpSigner>;
  keyGenerationSigners: Map<string, KeyPackageSigner>;
  ocspResponder: KeyAndCertificates | undefined;
  sealer: SecretSealer | undefined;
  store: S;
  /** The admin API's operators (ADMIN_TOKEN, ADMIN_TOKENS); undefined: no admin API. */
  operators: OperatorDirectory | undefined;
}

export async function validateSettings<S extends StoreKind>(startup: StartupSettings<S>): Promise<ValidSettings<S>> {
  const { settings, log } = startup;
  const config = attempt("JELLYFISH_CONFIG or CMP_SECRETS", () => loadConfig(configSource(settings)));
  const ca = await loadAuthority(startup.makeSigner);
  if (config.rootCaUpdate) await attemptAsync(() => checkRootCaUpdate(config.rootCaUpdate!, ca.chain));
  const responseSigners = await loadResponseSigners(config);
  const keyGenerationSigners = await loadKeyGenerationSigners(config, log);
  const { responder } = config.publication.ocsp;
  const ocspResponder = responder ? await attemptAsync(() => loadDelegatedResponder(responder, ca, startup.now?.() ?? new Date())) : undefined;
  const sealer = await loadSealer(settings, config);
  const store = await startup.makeStore();
  if (!store.atomic) log({ level: "warn", message: `store "${store.kind}" is not atomic; see docs/store.md` });
  const operators = await operatorDirectory(settings);
  // ADMIN_TOKEN predates the 16-character minimum of ADMIN_TOKENS: refusing it would lock out deployments on upgrade, so it is a warning.
  const legacyToken = textSetting(settings, "ADMIN_TOKEN");
  if (legacyToken !== undefined && legacyToken.length < MIN_TOKEN_CHARS) {
    log({ level: "warn", message: `ADMIN_TOKEN is shorter than ${MIN_TOKEN_CHARS} characters; anyone who guesses it is the administrator (openssl rand -base64 24 makes one)` });
  }
  return { config, ca, responseSigners, keyGenerationSigners, ocspResponder, sealer, store, operators };
}

async function loadAuthority(makeSigner: () => Promise<KeyAndCertificates>): Promise<CertificateAuthority> {
  let loaded: KeyAndCertificates;
  try {
    loaded = await makeSigner();
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
