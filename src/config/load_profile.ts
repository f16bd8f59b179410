import { PKIBodyTypes } from "../asn1/pki_body.js";
import { DEFAULT_BODY_TYPES } from "./defaults.js";
import { allowOnly, asObject, boolean, ConfigError, decodeCertificates, integer, resolveText, signerReference, stringArray, type ConfigSource } from "./json_fields.js";
import { RESERVED_PATHS } from "./load_publication.js";
import { loadCentralKeyGeneration } from "./load_central_key_generation.js";
import { loadCertificateProfiles } from "./load_certificate_profiles.js";
import type { Profile, UsernameSource } from "./profile.js";

// Of the body types, those a client sends and this server can serve.
const SERVABLE_BODY_TYPES = ["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error", "nested"];
const FIELDS = [
  "mode", "paths", "macReferences", "macSecret", "enrollmentCodes", "username", "certificate", "certificateProfiles", "defaultCertificateProfile", "implicitConfirm",
  "bodyTypes", "signature", "ra", "responseProtection", "responseSigner", "keyUpdate", "approval", "signerRetry", "confirmation",
  "centralKeyGeneration",
];

export interface ProfileInputs {
  secrets: ReadonlyMap<string, Uint8Array>;
  anchors: ReadonlyMap<string, Uint8Array[]>;
  source: ConfigSource;
}

/** profiles.<name>: one CMP endpoint's policy (see profile.ts and docs/configuration.md). */
export function loadProfile(name: string, value: unknown, inputs: ProfileInputs): Profile {
  const at = `profiles.${name}`;
  const object = asObject(value, at);
  allowOnly(object, FIELDS, at);

  const mode = object.mode ?? "ra";
  if (mode !== "ra" && mode !== "client") throw new ConfigError(`${at}.mode`, 'must be "ra" or "client"');

  // Which sender references (keys of CMP_SECRETS) this profile accepts; all by default.
  let macSecrets = new Map(inputs.secrets);
  if (object.macReferences !== undefined) {
    macSecrets = new Map();
    for (const reference of stringArray(object.macReferences, `${at}.macReferences`)) {
      const secret = inputs.secrets.get(reference);
      if (!secret) throw new ConfigError(`${at}.macReferences`, `"${reference}" has no secret in CMP_SECRETS`);
      macSecrets.set(reference, secret);
    }
  }
  let macSecret: Uint8Array | undefined;
  if (object.macSecret !== undefined) {
    // A secret belongs in a secret binding, never in JELLYFISH_CONFIG (a plain variable).
    if (typeof object.macSecret !== "string" || !object.macSecret.startsWith("env:")) {
      throw new ConfigError(`${at}.macSecret`, 'must be "env:NAME" naming a secret binding');
    }
    macSecret = new TextEncoder().encode(resolveText(object.macSecret, `${at}.macSecret`, inputs.source));
  }

  const bodyTypes = stringArray(object.bodyTypes ?? DEFAULT_BODY_TYPES, `${at}.bodyTypes`);
  for (const type of bodyTypes) {
    if (!(PKIBodyTypes as readonly string[]).includes(type)) throw new ConfigError(`${at}.bodyTypes`, `"${type}" is not a PKIBody type`);
    if (!SERVABLE_BODY_TYPES.includes(type)) throw new ConfigError(`${at}.bodyTypes`, `"${type}" is not a request a client sends`);
  }

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

  const approval = asObject(object.approval ?? {}, `${at}.approval`);
  allowOnly(approval, ["hold", "dnsNames", "revocations", "generalMessages", "checkAfterSeconds", "pendingTtlSeconds"], `${at}.approval`);
  const hold = approval.hold ?? "none";
  if (hold !== "none" && hold !== "all" && hold !== "outsideDnsNames") {
    throw new ConfigError(`${at}.approval.hold`, 'must be "none", "all" or "outsideDnsNames"');
  }
  const revocations = approval.revocations ?? "none";
  if (revocations !== "none" && revocations !== "all" && revocations !== "registrationAuthority") {
    throw new ConfigError(`${at}.approval.revocations`, 'must be "none", "all" or "registrationAuthority"');
  }
  const generalMessages = approval.generalMessages ?? "none";
  if (generalMessages !== "none" && generalMessages !== "all") {
    throw new ConfigError(`${at}.approval.generalMessages`, 'must be "none" or "all"');
  }
  const signerRetry = asObject(object.signerRetry ?? {}, `${at}.signerRetry`);
  allowOnly(signerRetry, ["maxAttempts", "checkAfterSeconds"], `${at}.signerRetry`);
  const confirmation = asObject(object.confirmation ?? {}, `${at}.confirmation`);
  allowOnly(confirmation, ["waitSeconds", "revokeUnconfirmed"], `${at}.confirmation`);

  const keyUpdate = asObject(object.keyUpdate ?? {}, `${at}.keyUpdate`);
  allowOnly(keyUpdate, ["allowKeyReuse", "revokeOldCertificate"], `${at}.keyUpdate`);

  const certificates = loadCertificateProfiles(object, name, at);

  return {
    name,
    mode,
    paths: loadPaths(object.paths, `${at}.paths`),
    macSecrets,
    macSecret,
    enrollmentCodes: boolean(object.enrollmentCodes ?? mode === "client", `${at}.enrollmentCodes`),
    username: loadUsername(object.username, `${at}.username`),
    certificate: certificates.profiles.get(certificates.defaultName)!,
    certificateProfile: certificates.defaultName,
    certificateProfiles: certificates.profiles,
    centralKeyGeneration: loadCentralKeyGeneration(object.centralKeyGeneration, `${at}.centralKeyGeneration`, certificates.profiles.get(certificates.defaultName)!, inputs.source),
    implicitConfirm: boolean(object.implicitConfirm ?? true, `${at}.implicitConfirm`),
    bodyTypes: new Set(bodyTypes),
    signatureTrust: {
      thisCa: boolean(signature.trustThisCa ?? true, `${at}.signature.trustThisCa`),
      anchors: namedAnchors(signature.trustAnchors, `${at}.signature.trustAnchors`, inputs.anchors),
    },
    registrationAuthority: {
      macReferences: new Set(raReferences),
      anchors: namedAnchors(ra.trustAnchors, `${at}.ra.trustAnchors`, inputs.anchors),
    },
    responseProtection,
    responseSigner: signerReference(object.responseSigner, `${at}.responseSigner`, inputs.source),
    approval: {
      hold,
      dnsNames: stringArray(approval.dnsNames ?? [], `${at}.approval.dnsNames`),
      revocations,
      generalMessages,
      checkAfterSeconds: integer(approval.checkAfterSeconds ?? 10, `${at}.approval.checkAfterSeconds`, 1),
      pendingTtlSeconds: integer(approval.pendingTtlSeconds ?? 7 * 86_400, `${at}.approval.pendingTtlSeconds`, 60),
    },
    signerRetry: {
      maxAttempts: integer(signerRetry.maxAttempts ?? 5, `${at}.signerRetry.maxAttempts`, 1),
      checkAfterSeconds: integer(signerRetry.checkAfterSeconds ?? 5, `${at}.signerRetry.checkAfterSeconds`, 1),
    },
    confirmation: {
      waitSeconds: integer(confirmation.waitSeconds ?? 3600, `${at}.confirmation.waitSeconds`, 60),
      revokeUnconfirmed: boolean(confirmation.revokeUnconfirmed ?? false, `${at}.confirmation.revokeUnconfirmed`),
    },
    keyUpdate: {
      allowKeyReuse: boolean(keyUpdate.allowKeyReuse ?? false, `${at}.keyUpdate.allowKeyReuse`),
      revokeOldCertificate: boolean(keyUpdate.revokeOldCertificate ?? false, `${at}.keyUpdate.revokeOldCertificate`),
    },
  };
}

/** "CN" (default), another DN attribute's short name, or "senderKID" (EJBCA's Extract Username Component). */
function loadUsername(value: unknown, field: string): UsernameSource {
  const text = value ?? "CN";
  if (typeof text !== "string" || !/^[A-Za-z][A-Za-z0-9-]*$/.test(text)) {
    throw new ConfigError(field, 'must be "senderKID" or the short name of a DN attribute such as "CN" or "UID"');
  }
  return text === "senderKID" ? { from: "senderKID" } : { from: "subject", attribute: text };
}

/** Extra URL paths: absolute, no query, no "." segments, not under /.well-known/cmp or /admin (those are ours). */
function loadPaths(value: unknown, field: string): string[] {
  const paths = stringArray(value ?? [], field);
  for (const path of paths) {
    const segments = path.split("/").slice(1);
    if (!path.startsWith("/") || !/^[A-Za-z0-9._~/-]+$/.test(path) || segments.some((s) => s === "" || s === "." || s === "..")) {
      throw new ConfigError(field, `"${path}" is not an absolute path of letters, digits, '.', '_', '~', '-' and '/'`);
    }
    if (RESERVED_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`))) {
      throw new ConfigError(field, `"${path}" is reserved`);
    }
  }
  return paths;
}

function namedAnchors(value: unknown, field: string, anchors: ReadonlyMap<string, Uint8Array[]>): Uint8Array[] {
  return stringArray(value ?? [], field).flatMap((name) => {
    const certificates = anchors.get(name);
    if (!certificates) throw new ConfigError(field, `"${name}" is not defined in trustAnchors`);
    return certificates;
  });
}
