import { readFile } from "node:fs/promises";
import { parseEnv } from "node:util";

/**
 * Settings from a dotenv file: the `.dev.vars` that `npm start` writes for
 * wrangler, or an operator's production env file. Node's own parser (the one
 * behind `node --env-file`) reads what dotenv and wrangler read, including
 * "\n" inside double quotes, which is how .dev.vars carries PEM.
 */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  const parsed = parseEnv(await readFile(path, "utf8"));
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) if (value !== undefined) settings[name] = value;
  return settings;
}
