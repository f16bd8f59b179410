import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { DEV_CONFIG } from "./dev_vars.js";

/**
 * Which configuration `npm start` serves, first found wins: `--config
 * <file>`, jellyfish.json at the repository top, JELLYFISH_CONFIG in
 * wrangler.toml's [vars] (read with wrangler's own reader, so a table and
 * a string are taken exactly as `wrangler dev` will bind them), else the
 * built-in development profiles.
 */

export const BUILT_IN = "built-in development profiles";

export interface ConfigChoice {
  /** For the banner: the file (relative to the repository when inside it), "wrangler.toml" or BUILT_IN. */
  origin: string;
  /** JELLYFISH_CONFIG as the Worker will see it: JSON text or a table. */
  value: string | Record<string, unknown>;
  /**
   * Whether .dev.vars must carry it. Not when wrangler.toml gives it: .dev.vars
   * overrides [vars], so writing it there would hide later edits of wrangler.toml.
   */
  writeToDevVars: boolean;
}

export class StartConfigError extends Error {}

/** `given` is resolved against `cwd`: where the operator typed `npm start` (npm's INIT_CWD), not the repository. */
export async function chooseConfig(root: string, given: string | undefined, cwd: string): Promise<ConfigChoice> {
  if (given !== undefined) return fromFile(root, resolve(cwd, given));
  const local = join(root, "jellyfish.json");
  if (await exists(local)) return fromFile(root, local);
  const fromWrangler = await wranglerTomlConfig(root);
  if (fromWrangler !== undefined) return { origin: "wrangler.toml", value: fromWrangler, writeToDevVars: false };
  return { origin: BUILT_IN, value: JSON.stringify(DEV_CONFIG), writeToDevVars: true };
}

async function fromFile(root: string, path: string): Promise<ConfigChoice> {
  const shown = path.startsWith(root + "/") ? relative(root, path) : path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new StartConfigError(`${shown}: cannot read the configuration (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StartConfigError(`${shown}: not JSON (${(error as Error).message})`);
  }
  // One line for .dev.vars; the loader checks the shape.
  return { origin: shown, value: JSON.stringify(parsed), writeToDevVars: true };
}

/** JELLYFISH_CONFIG from wrangler.toml's [vars], or undefined when it is absent or an empty string. */
async function wranglerTomlConfig(root: string): Promise<string | Record<string, unknown> | undefined> {
  // Loaded only when needed: wrangler's module takes a second or two to load.
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") }, { hideWarnings: true });
  const value = (config.vars as Record<string, unknown>).JELLYFISH_CONFIG;
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string" || (typeof value === "object" && value !== null && !Array.isArray(value))) {
    return value as string | Record<string, unknown>;
  }
  throw new StartConfigError("wrangler.toml: [vars] JELLYFISH_CONFIG must be JSON text or a table");
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
