import { Misconfigured, type Settings } from "../src/runtime/settings.js";
import { validateSettings } from "../src/runtime/validate_settings.js";
import { workerCaSigner, workerStoreKind } from "../src/runtime/worker_settings.js";

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
  const warnings: string[] = [];
  let valid;
  try {
    valid = await validateSettings({
      settings,
      log: (line) => {
        const { message } = line as { message?: unknown };
        if (typeof message === "string") warnings.push(message);
      },
      makeSigner: () => workerCaSigner(settings),
      makeStore: () => workerStoreKind(settings),
    });
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
