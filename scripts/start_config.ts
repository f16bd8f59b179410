import { ConfigError, loadConfig, type ConfigSource } from "../src/config/load.js";

/**
 * The check `npm start` makes before it starts wrangler: the configuration
 * with the bindings it will be served with, through the endpoint's own
 * loader, so a mistake is reported here, naming the field, rather than as
 * a 500 on the first request. One function, because a fuller start-up
 * check (the key matches the certificate, …) is to take its place.
 */

export interface ProfileSummary {
  name: string;
  mode: string;
  /** URL paths under the server's origin. */
  paths: string[];
}

export class InvalidStartConfig extends Error {}

export function checkStartConfig(source: ConfigSource): ProfileSummary[] {
  let config;
  try {
    config = loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidStartConfig(error.message);
    throw error;
  }
  return [...config.profiles.values()].map((profile) => ({
    name: profile.name,
    mode: profile.mode,
    paths: [...(profile.name === config.defaultProfile ? ["/.well-known/cmp"] : []), `/.well-known/cmp/p/${profile.name}`, ...profile.paths],
  }));
}
