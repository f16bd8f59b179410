import { DEFAULT_LIMITS, DEFAULT_PROFILE_NAME } from "./defaults.js";
import { allowOnly, asObject, ConfigError, decodeCertificates, integer, parseJson, resolveText, type ConfigSource } from "./json_fields.js";
import { loadProfile } from "./load_profile.js";
import { loadPublication } from "./load_publication.js";
import { loadRootCaUpdate } from "./load_root_ca_update.js";
import type { JellyfishConfig, Limits, Profile } from "./profile.js";

export { ConfigError, type ConfigSource } from "./json_fields.js";

/**
 * Where configuration comes from: the JELLYFISH_CONFIG variable (JSON; empty
 * means the embedded development defaults), CMP_SECRETS and other bindings.
 * Every error names the field it is about, so an operator can fix it from
 * the message.
 */
export function loadConfig(source: ConfigSource): JellyfishConfig {
  // A string var holds JSON text; a [vars.JELLYFISH_CONFIG] table in wrangler.toml arrives as an object.
  const given = source.JELLYFISH_CONFIG;
  const raw = (typeof given === "object" && given !== null ? given : parseJson(given, "JELLYFISH_CONFIG")) ?? {};
  const secrets = loadSecrets(source.CMP_SECRETS);
  const root = asObject(raw, "JELLYFISH_CONFIG");
  allowOnly(root, ["defaultProfile", "limits", "trustAnchors", "profiles", "publication", "rootCaUpdate"], "JELLYFISH_CONFIG");

  const limits = loadLimits(root.limits);
  const anchors = loadTrustAnchors(root.trustAnchors, source);
  const profilesRaw = root.profiles === undefined ? { [DEFAULT_PROFILE_NAME]: {} } : asObject(root.profiles, "profiles");
  const profiles = new Map<string, Profile>();
  for (const [name, value] of Object.entries(profilesRaw)) {
    // "." and ".." are path segments a URL normalises away: such a profile could never be reached.
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === "." || name === "..") {
      throw new ConfigError(`profiles.${name}`, "profile names are 1..64 letters, digits, '.', '_' or '-' (they are URL path segments)");
    }
    profiles.set(name, loadProfile(name, value, { secrets, anchors, source }));
  }
  if (profiles.size === 0) throw new ConfigError("profiles", "at least one profile is required");
  checkPathsUnique(profiles);

  const defaultProfile = root.defaultProfile ?? (profiles.has(DEFAULT_PROFILE_NAME) ? DEFAULT_PROFILE_NAME : [...profiles.keys()][0]);
  if (typeof defaultProfile !== "string" || !profiles.has(defaultProfile)) {
    throw new ConfigError("defaultProfile", `must name one of the profiles (${[...profiles.keys()].join(", ")})`);
  }
  return { profiles, defaultProfile, limits, publication: loadPublication(root.publication, source), rootCaUpdate: loadRootCaUpdate(root.rootCaUpdate, source) };
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
  // Below these, ordinary requests from openssl cmp would be refused.
  const floors: Partial<Record<keyof Limits, number>> = {
    derMaxDepth: 16, derMaxElements: 256, oidMaxArcs: 8, oidMaxBytes: 16,
    extraCertsMaxCount: 1, extraCertsMaxBytes: 1024, pathMaxSignatureChecks: 1, rsaMaxModulusBits: 2048,
  };
  for (const [key, floor] of Object.entries(floors) as [keyof Limits, number][]) {
    if (limits[key] < floor) throw new ConfigError(`limits.${key}`, `must be at least ${floor}`);
  }
  if (limits.bodyReadTimeoutSeconds < 1) throw new ConfigError("limits.bodyReadTimeoutSeconds", "must be at least 1");
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

/** An extra path serves exactly one profile. */
function checkPathsUnique(profiles: ReadonlyMap<string, Profile>): void {
  const owner = new Map<string, string>();
  for (const profile of profiles.values()) {
    for (const path of profile.paths) {
      const other = owner.get(path);
      if (other) throw new ConfigError(`profiles.${profile.name}.paths`, `"${path}" is already a path of profile "${other}"`);
      owner.set(path, profile.name);
    }
  }
}
