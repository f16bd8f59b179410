import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { readCertificateChain } from "../src/ca/local_key_pair.js";
import type { JellyfishConfig } from "../src/config/profile.js";
import { Misconfigured, textSetting, type Settings } from "../src/runtime/settings.js";
import { validateSettings } from "../src/runtime/validate_settings.js";
import { readEnvFile } from "./env_file.js";
import { RUNTIMES, startupFor, warningCollector, type Runtime } from "./startup_check.js";

/**
 * `npm run config:check -- [jellyfish.json] [--env-file <file>] [--runtime cloudflare|lambda|node]`:
 * the start-up check the runtimes run (src/runtime/validate_settings.ts),
 * offline, before a deploy: the configuration, every "env:NAME" binding it
 * names, the CA key against CA_CERT (for a KMS key, its public key, read
 * from KMS), each response signer, KGA signer and OCSP responder against its
 * certificate, ENROLLMENT_CODE_KEY, the kind of store (without connecting to
 * it) and the admin tokens. The configuration comes from the file (else from
 * JELLYFISH_CONFIG); the other settings from the environment, or only from
 * --env-file (e.g. the .dev.vars that `npm start` writes). Prints each
 * profile's paths and OK, or the first problem, naming the setting, and
 * exits 1.
 */

const USAGE = "usage: npm run config:check -- [<config.json>] [--env-file <file>] [--runtime cloudflare|lambda|node]";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { "env-file": { type: "string" }, runtime: { type: "string" } } });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const configPath = positionals[0];
  const envFile = values["env-file"];
  if (positionals.length > 1 || (!configPath && !envFile)) {
    console.error(`${USAGE}\n(without --env-file, the settings come from the environment)`);
    return 2;
  }
  if (values.runtime !== undefined && !(RUNTIMES as readonly string[]).includes(values.runtime)) {
    console.error(`--runtime must be one of ${RUNTIMES.join(", ")}\n${USAGE}`);
    return 2;
  }
  const label = configPath ?? envFile!;
  let settings: Settings;
  try {
    settings = {
      ...(envFile ? await readEnvFile(envFile) : process.env),
      ...(configPath ? { JELLYFISH_CONFIG: await readFile(configPath, "utf8") } : {}),
    };
  } catch (error) {
    console.error(`${label}: ${(error as Error).message}`);
    return 1;
  }
  const runtime = (values.runtime as Runtime | undefined) ?? guessRuntime(settings);
  const { log, warnings } = warningCollector();
  try {
    const valid = await validateSettings(startupFor(runtime, settings, log));
    for (const warning of warnings) console.error(`warning: ${warning}`);
    console.log(`runtime: ${runtime}${values.runtime ? "" : " (guessed; --runtime to choose)"}, store: ${valid.store.kind}`);
    const key = textSetting(settings, "CA_KMS_KEY_ID") ? `AWS KMS key ${textSetting(settings, "CA_KMS_KEY_ID")}` : "CA_KEY";
    console.log(`CA: "${readCertificateChain(textSetting(settings, "CA_CERT") ?? "", "CA_CERT").subject}", key in ${key}`);
    if (valid.operators) console.log(`admin operators: ${valid.operators.operators.map(({ name, role }) => `${name} (${role})`).join(", ")}`);
    for (const line of profileLines(valid.config)) console.log(line);
    console.log(`${label}: OK`);
    return 0;
  } catch (error) {
    for (const warning of warnings) console.error(`warning: ${warning}`);
    // Misconfigured names the setting; anything else (KMS unreachable) is reported as it is, and is no OK either.
    const message = error instanceof Misconfigured ? error.message : `could not check: ${(error as Error).message ?? String(error)}`;
    console.error(`${label}: ${message}`);
    return 1;
  }
}

/** Lambda and Node name a DynamoDB table (or allow memory); a Worker names neither. */
function guessRuntime(settings: Settings): Runtime {
  return textSetting(settings, "STORE_TABLE") || textSetting(settings, "JELLYFISH_ALLOW_MEMORY_STORE") ? "lambda" : "cloudflare";
}

function profileLines(config: JellyfishConfig): string[] {
  return [...config.profiles.values()].map((profile) => {
    const paths = [`/.well-known/cmp/p/${profile.name}`, ...(profile.name === config.defaultProfile ? ["/.well-known/cmp"] : []), ...profile.paths];
    return `${profile.name} (${profile.mode} mode, ${[...profile.bodyTypes].join(" ")}): ${paths.join(" ")}`;
  });
}

main().then((code) => process.exit(code));
