import { readFile } from "node:fs/promises";
import { ConfigError, loadConfig } from "../src/config/load.js";

/**
 * `npm run config:check -- jellyfish.json`: validate a configuration file
 * offline, with the same loader the endpoint runs, before deploying it.
 * Bindings that the file names as "env:NAME" (and CMP_SECRETS) come from the
 * environment. Prints each profile's paths, or the error naming the field.
 */
async function main(): Promise<number> {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: npm run config:check -- <file.json>   (env:NAME bindings and CMP_SECRETS from the environment)");
    return 2;
  }
  try {
    const config = loadConfig({ ...process.env, JELLYFISH_CONFIG: await readFile(path, "utf8") });
    for (const profile of config.profiles.values()) {
      const paths = [`/.well-known/cmp/p/${profile.name}`, ...(profile.name === config.defaultProfile ? ["/.well-known/cmp"] : []), ...profile.paths];
      console.log(`${profile.name} (${profile.mode} mode, ${[...profile.bodyTypes].join(" ")}): ${paths.join(" ")}`);
    }
    console.log(`${path}: OK`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || (error as NodeJS.ErrnoException).code === "ENOENT") {
      console.error(`${path}: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

main().then((code) => process.exit(code));
