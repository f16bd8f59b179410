import { ConfigError, type ConfigSource } from "../config/load.js";

/**
 * What a runtime hands to the composition: Cloudflare's bindings or Lambda's
 * process.env, by name. Values are unknown because a binding may be a
 * namespace or a wrangler.toml table, not only text.
 */
export type Settings = Readonly<Record<string, unknown>>;

/**
 * An operator error found while building: the settings are wrong, not the
 * request. It stops Node and Lambda from starting, is answered as 503
 * "misconfigured: <message>" (and on /health) until the settings are fixed,
 * and is printed by config:check; so the message names the setting and never
 * its value.
 */
export class Misconfigured extends Error {
  override readonly name = "Misconfigured";
}

/** A text setting, or undefined when it is absent, empty or not text. */
export function textSetting(settings: Settings, name: string): string | undefined {
  const value = settings[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A text setting that must be there. */
export function requiredSetting(settings: Settings, name: string): string {
  const value = textSetting(settings, name);
  if (value === undefined) throw new Misconfigured(`${name} is not set`);
  return value;
}

/**
 * The settings as the configuration loader reads them. Its two own fields
 * are checked here because the loader trusts their types: JELLYFISH_CONFIG
 * is JSON text or (from a wrangler.toml table) an object, CMP_SECRETS text.
 */
export function configSource(settings: Settings): ConfigSource {
  const config = settings.JELLYFISH_CONFIG;
  const secrets = settings.CMP_SECRETS;
  if (config !== undefined && typeof config !== "string" && !isPlainObject(config)) {
    throw new ConfigError("JELLYFISH_CONFIG", "must be JSON text or a table");
  }
  if (secrets !== undefined && typeof secrets !== "string") throw new ConfigError("CMP_SECRETS", "must be JSON text");
  return { ...settings, JELLYFISH_CONFIG: config, CMP_SECRETS: secrets };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
