import { settingsCaSigner, settingsStoreChoice } from "../src/runtime/backends.js";
import type { Log } from "../src/runtime/log.js";
import type { Settings } from "../src/runtime/settings.js";
import type { StartupSettings, StoreKind } from "../src/runtime/validate_settings.js";
import { workerCaSigner, workerStoreKind } from "../src/runtime/worker_settings.js";

/**
 * What `npm run config:check` and `npm start` hand to the runtimes' own
 * start-up check (src/runtime/validate_settings.ts), so that both check
 * exactly what the named runtime will.
 */

export const RUNTIMES = ["cloudflare", "lambda", "node"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The runtime's own choice of CA key and store: the check is the one that runtime runs. */
export function startupFor(runtime: Runtime, settings: Settings, log: Log): StartupSettings<StoreKind> {
  if (runtime === "cloudflare") return { settings, log, makeSigner: () => workerCaSigner(settings), makeStore: () => workerStoreKind(settings) };
  return { settings, log, makeSigner: () => settingsCaSigner(settings), makeStore: () => settingsStoreChoice(settings, log) };
}

/** A log that keeps the warnings the check writes (a store that is not atomic, a short ADMIN_TOKEN), to print them as such. */
export function warningCollector(): { log: Log; warnings: string[] } {
  const warnings: string[] = [];
  const log: Log = (line) => {
    const { message } = line as { message?: unknown };
    if (typeof message === "string") warnings.push(message);
  };
  return { log, warnings };
}
