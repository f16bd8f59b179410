import { Misconfigured, type Settings } from "../src/runtime/settings.js";
import { validateSettings } from "../src/runtime/validate_settings.js";
import { startupFor, warningCollector } from "./startup_check.js";

/**
 * The check `npm start` makes before it starts wrangler: the Worker's own
 * start-up validation (src/runtime/validate_settings.ts, as `npm run
 * config:check` runs it) on the settings it is about to serve with, so a
 * wrong configuration, an `env:` binding that is missing or a key that does
 * not match its certificate is reported here, naming the setting, rather
 * than as a 503 on the first request.
 */

export interface ProfileSummary {
  name: string;
  mode: string;
  /** URL paths under the server's origin. */
  paths: string[];
}

export class InvalidStartConfig extends Error {}

export async function checkStartConfig(settings: Settings): Promise<ProfileSummary[]> {
  const { log, warnings } = warningCollector();
  let valid;
  try {
    valid = await validateSettings(startupFor("cloudflare", settings, log));
  } catch (error) {
    if (error instanceof Misconfigured) throw new InvalidStartConfig(error.message);
    throw error;
  }
  for (const warning of warnings) console.error(`warning: ${warning}`);
  const { config } = valid;
  return [...config.profiles.values()].map((profile) => ({
    name: profile.name,
    mode: profile.mode,
    paths: [...(profile.name === config.defaultProfile ? ["/.well-known/cmp"] : []), `/.well-known/cmp/p/${profile.name}`, ...profile.paths],
  }));
}
