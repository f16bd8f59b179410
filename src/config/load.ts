import {
  DEFAULT_BODY_TYPES,
  DEFAULT_CERTIFICATE,
  DEFAULT_LIMITS,
  DEFAULT_PROFILE_NAME,
  EXTENDED_KEY_USAGE,
} from "./defaults.js";
import type { JellyfishConfig, KeyUsageName, Limits, Profile } from "./profile.js";
import { PKIBodyTypes } from "../asn1/pki_body.js";
import { decodeCertificatesPem } from "../asn1/pem.js";

/**
 * Where configuration comes from: the JELLYFISH_CONFIG variable (JSON; empty
 * means the embedded development defaults) and secret bindings. Every error
 * names the field it is about, so an operator can fix it from the message.
 */
export interface ConfigSource {
  /** JSON text of profiles and limits; empty or absent: embedded defaults. */
  JELLYFISH_CONFIG?: string;
  /** JSON object of MAC secrets by sender reference, e.g. {"dev":"s3cret"} (a secret binding). */
  CMP_SECRETS?: string;
  /** Other bindings, which configuration values of the form "env:NAME" refer to (PEM of anchors and signers). */
  [binding: string]: unknown;
}

export class ConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = "ConfigError";
  }
}

const KEY_USAGES: readonly KeyUsageName[] = [
  "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
  "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
];
// Of the body types, those a client sends and this server can serve.
const SERVABLE_BODY_TYPES = ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error"];

export function loadConfig(source: ConfigSource): JellyfishConfig {
  const raw = parseJson(source.JELLYFISH_CONFIG, "JELLYFISH_CONFIG") ?? {};
  const secrets = loadSecrets(source.CMP_SECRETS);
  const root = asObject(raw, "JELLYFISH_CONFIG");
  allowOnly(root, ["defaultProfile", "limits", "trustAnchors", "profiles"], "JELLYFISH_CONFIG");

  const limits = loadLimits(root.limits);
  const anchors = loadTrustAnchors(root.trustAnchors, source);
  const profilesRaw = root.profiles === undefined ? { [DEFAULT_PROFILE_NAME]: {} } : asObject(root.profiles, "profiles");
  const profiles = new Map<string, Profile>();
  for (const [name, value] of Object.entries(profilesRaw)) {
    // "." and ".." are path segments a URL normalises away: such a profile could never be reached.
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === "." || name === "..") {
      throw new ConfigError(`profiles.${name}`, "profile names are 1..64 letters, digits, '.', '_' or '-' (they are URL path segments)");
    }
    profiles.set(name, loadProfile(name, value, secrets, anchors, source));
  }
  if (profiles.size === 0) throw new ConfigError("profiles", "at least one profile is required");

  const defaultProfile = root.defaultProfile ?? (profiles.has(DEFAULT_PROFILE_NAME) ? DEFAULT_PROFILE_NAME : [...profiles.keys()][0]);
  if (typeof defaultProfile !== "string" || !profiles.has(defaultProfile)) {
    throw new ConfigError("defaultProfile", `must name one of the profiles (${[...profiles.keys()].join(", ")})`);
  }
  return { profiles, defaultProfile, limits };
}

function loadSecrets(text: string | undefined): Map<string, Uint8Array> {
  const raw = parseJson(text, "CMP_SECRETS", true) ?? {};
  const object = asObject(raw, "CMP_SECRETS");
  const secrets = new Map<string, Uint8Array>();
  const encoder = new TextEncoder();
  for (const [reference, secret] of Object.entries(object)) {
    // Never echo the value: the message may end up in a log.
    if (typeof secret !== "string" || secret.length === 0) throw new ConfigError(`CMP_SECRETS.${reference}`, "must be a non-empty string");
    secrets.set(reference, encoder.encode(secret));
  }
  return secrets;
}

function loadLimits(value: unknown): Limits {
  if (value === undefined) return { ...DEFAULT_LIMITS };
  const object = asObject(value, "limits");
  allowOnly(object, Object.keys(DEFAULT_LIMITS), "limits");
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    if (object[key] !== undefined) limits[key] = integer(object[key], `limits.${key}`, 0);
  }
  if (limits.macMaxIterations < 100) throw new ConfigError("limits.macMaxIterations", "must be at least 100 (RFC 9481 §6.1)");
  if (limits.maxRequestBytes < 1024) throw new ConfigError("limits.maxRequestBytes", "must be at least 1024");
  if (limits.transactionTtlSeconds < 2 * limits.messageTimeToleranceSeconds) {
    throw new ConfigError(
      "limits.transactionTtlSeconds",
      "must be at least twice limits.messageTimeToleranceSeconds, or a replayed request could outlive its transaction",
    );
  }
  return limits;
}

/** Named trust anchors: PEM text, or "env:NAME" for a binding that holds it. */
function loadTrustAnchors(value: unknown, source: ConfigSource): Map<string, Uint8Array[]> {
  const anchors = new Map<string, Uint8Array[]>();
  if (value === undefined) return anchors;
  for (const [name, pem] of Object.entries(asObject(value, "trustAnchors"))) {
    const field = `trustAnchors.${name}`;
    const certificates = decodeCertificates(resolveText(pem, field, source), field);
    anchors.set(name, certificates);
  }
  return anchors;
}

function loadProfile(
  name: string,
  value: unknown,
  secrets: Map<string, Uint8Array>,
  anchors: Map<string, Uint8Array[]>,
  source: ConfigSource,
): Profile {
  const at = `profiles.${name}`;
  const object = asObject(value, at);
  allowOnly(
    object,
    ["macReferences", "certificate", "implicitConfirm", "bodyTypes", "signature", "ra", "responseProtection", "responseSigner", "keyUpdate"],
    at,
  );

  // Which sender references (keys of CMP_SECRETS) this profile accepts; all by default.
  let macSecrets = secrets;
  if (object.macReferences !== undefined) {
    const references = stringArray(object.macReferences, `${at}.macReferences`);
    macSecrets = new Map();
    for (const reference of references) {
      const secret = secrets.get(reference);
      if (!secret) throw new ConfigError(`${at}.macReferences`, `"${reference}" has no secret in CMP_SECRETS`);
      macSecrets.set(reference, secret);
    }
  }

  const certificate = asObject(object.certificate ?? {}, `${at}.certificate`);
  allowOnly(certificate, ["validityDays", "backdateSeconds", "keyUsage", "extendedKeyUsage"], `${at}.certificate`);
  const validityDays = integer(certificate.validityDays ?? DEFAULT_CERTIFICATE.validityDays, `${at}.certificate.validityDays`, 1);
  const keyUsage = stringArray(certificate.keyUsage ?? DEFAULT_CERTIFICATE.keyUsage, `${at}.certificate.keyUsage`);
  for (const usage of keyUsage) {
    if (!KEY_USAGES.includes(usage as KeyUsageName)) {
      throw new ConfigError(`${at}.certificate.keyUsage`, `"${usage}" is not one of ${KEY_USAGES.join(", ")}`);
    }
  }
  const ekuNames = stringArray(certificate.extendedKeyUsage ?? DEFAULT_CERTIFICATE.extendedKeyUsage, `${at}.certificate.extendedKeyUsage`);
  const extendedKeyUsage = ekuNames.map((purpose) => {
    const named = Object.hasOwn(EXTENDED_KEY_USAGE, purpose) ? EXTENDED_KEY_USAGE[purpose] : undefined;
    const oid = named ?? (/^\d+(\.\d+)+$/.test(purpose) ? purpose : undefined);
    if (!oid) throw new ConfigError(`${at}.certificate.extendedKeyUsage`, `"${purpose}" is neither a known purpose nor a dotted OID`);
    return oid;
  });

  const bodyTypes = stringArray(object.bodyTypes ?? DEFAULT_BODY_TYPES, `${at}.bodyTypes`);
  for (const type of bodyTypes) {
    if (!(PKIBodyTypes as readonly string[]).includes(type)) throw new ConfigError(`${at}.bodyTypes`, `"${type}" is not a PKIBody type`);
    if (!SERVABLE_BODY_TYPES.includes(type)) throw new ConfigError(`${at}.bodyTypes`, `"${type}" is not a request a client sends`);
  }

  const implicitConfirm = boolean(object.implicitConfirm ?? true, `${at}.implicitConfirm`);

  const signature = asObject(object.signature ?? {}, `${at}.signature`);
  allowOnly(signature, ["trustThisCa", "trustAnchors"], `${at}.signature`);
  const ra = asObject(object.ra ?? {}, `${at}.ra`);
  allowOnly(ra, ["macReferences", "trustAnchors"], `${at}.ra`);
  const raReferences = stringArray(ra.macReferences ?? [], `${at}.ra.macReferences`);
  for (const reference of raReferences) {
    if (!macSecrets.has(reference)) throw new ConfigError(`${at}.ra.macReferences`, `"${reference}" is not a MAC reference of this profile`);
  }

  const responseProtection = object.responseProtection ?? "mirror";
  if (responseProtection !== "mirror" && responseProtection !== "signature") {
    throw new ConfigError(`${at}.responseProtection`, 'must be "mirror" or "signature"');
  }
  let responseSigner: Profile["responseSigner"];
  if (object.responseSigner !== undefined) {
    const signer = asObject(object.responseSigner, `${at}.responseSigner`);
    allowOnly(signer, ["key", "certificates"], `${at}.responseSigner`);
    const certificatesPem = resolveText(signer.certificates, `${at}.responseSigner.certificates`, source);
    decodeCertificates(certificatesPem, `${at}.responseSigner.certificates`);
    // A key belongs in a secret binding, never in JELLYFISH_CONFIG (a plain variable, shown in logs).
    if (typeof signer.key !== "string" || !signer.key.startsWith("env:")) {
      throw new ConfigError(`${at}.responseSigner.key`, 'must be "env:NAME" naming a secret binding that holds the PEM key');
    }
    responseSigner = { keyPem: resolveText(signer.key, `${at}.responseSigner.key`, source), certificatesPem };
  }

  const keyUpdate = asObject(object.keyUpdate ?? {}, `${at}.keyUpdate`);
  allowOnly(keyUpdate, ["allowKeyReuse", "revokeOldCertificate"], `${at}.keyUpdate`);

  return {
    name,
    macSecrets,
    certificate: {
      validitySeconds: validityDays * 86_400,
      backdateSeconds: integer(certificate.backdateSeconds ?? DEFAULT_CERTIFICATE.backdateSeconds, `${at}.certificate.backdateSeconds`, 0),
      keyUsage: keyUsage as KeyUsageName[],
      extendedKeyUsage,
    },
    implicitConfirm,
    bodyTypes: new Set(bodyTypes),
    signatureTrust: {
      thisCa: boolean(signature.trustThisCa ?? true, `${at}.signature.trustThisCa`),
      anchors: namedAnchors(signature.trustAnchors, `${at}.signature.trustAnchors`, anchors),
    },
    registrationAuthority: {
      macReferences: new Set(raReferences),
      anchors: namedAnchors(ra.trustAnchors, `${at}.ra.trustAnchors`, anchors),
    },
    responseProtection,
    responseSigner,
    keyUpdate: {
      allowKeyReuse: boolean(keyUpdate.allowKeyReuse ?? false, `${at}.keyUpdate.allowKeyReuse`),
      revokeOldCertificate: boolean(keyUpdate.revokeOldCertificate ?? false, `${at}.keyUpdate.revokeOldCertificate`),
    },
  };
}

function namedAnchors(value: unknown, field: string, anchors: Map<string, Uint8Array[]>): Uint8Array[] {
  return stringArray(value ?? [], field).flatMap((name) => {
    const certificates = anchors.get(name);
    if (!certificates) throw new ConfigError(field, `"${name}" is not defined in trustAnchors`);
    return certificates;
  });
}

/** A text value, given inline or as "env:NAME" naming a binding (a secret, for keys). */
function resolveText(value: unknown, field: string, source: ConfigSource): string {
  if (typeof value !== "string" || value === "") throw new ConfigError(field, 'must be PEM text or "env:NAME"');
  if (!value.startsWith("env:")) return value;
  const binding = source[value.slice(4)];
  if (typeof binding !== "string" || binding === "") throw new ConfigError(field, `the binding ${value.slice(4)} is not set`);
  return binding;
}

function decodeCertificates(pem: string, field: string): Uint8Array[] {
  let certificates: Uint8Array[];
  try {
    certificates = decodeCertificatesPem(pem);
  } catch (error) {
    throw new ConfigError(field, `is not PEM certificates (${(error as Error).message})`);
  }
  if (certificates.length === 0) throw new ConfigError(field, "holds no certificate");
  return certificates;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, "must be true or false");
  return value;
}

function parseJson(text: string | undefined, field: string, secret = false): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser quotes the text around the error: never for a secret.
    throw new ConfigError(field, secret ? "is not valid JSON" : `is not valid JSON (${(error as Error).message})`);
  }
}

function asObject(value: unknown, field: string): Record<string, any> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(field, "must be a JSON object");
  return value as Record<string, any>;
}

function allowOnly(object: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new ConfigError(`${field}.${key}`, `unknown field (allowed: ${allowed.join(", ")})`);
  }
}

function integer(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(field, `must be an integer of at least ${min}`);
  }
  return value;
}

function stringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new ConfigError(field, "must be an array of strings");
  }
  return value;
}
