import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchTrusting } from "../src/cli/https_fetch.js";
import { envBindings } from "./config_bindings.js";
import { devBanner } from "./dev_banner.js";
import { ensureDevMaterial } from "./dev_ca.js";
import { ensureDevTls, type DevTls } from "./dev_tls.js";
import { renderDevVars, writeDevVars } from "./dev_vars.js";
import { busyPortMessage, portIsFree } from "./port_check.js";
import { checkStartConfig, InvalidStartConfig } from "./start_config.js";
import { chooseConfig, StartConfigError } from "./start_config_source.js";
import { parseStartOptions, START_USAGE, StartUsageError } from "./start_options.js";
import { waitForWorker } from "./wait_for_worker.js";

/**
 * `npm start`: the local server. Chooses the configuration and checks it,
 * makes (once) or reuses the material in .dev/, writes .dev.vars, runs
 * `wrangler dev` on 127.0.0.1 with local state, and prints how to enroll
 * once the Worker answers. `npm start -- --help` lists the options.
 *
 * JELLYFISH_DEV_DIR moves the material, the vars file and the local state
 * out of .dev/, .dev.vars and .wrangler/state: the tests run several
 * servers at once, which must not rewrite each other's files.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The bindings the development material gives; a configuration may name them as "env:NAME" too. */
const DEV_BINDINGS = new Set(["CA_KEY", "CA_CERT", "CMP_SECRETS", "ADMIN_TOKEN", "ENROLLMENT_CODE_KEY", "PUBLIC_BASE_URL"]);

async function main(): Promise<number | undefined> {
  const options = parseStartOptions(process.argv.slice(2), process.env);
  if (options.help) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  const devDir = process.env.JELLYFISH_DEV_DIR ? resolve(process.env.JELLYFISH_DEV_DIR) : undefined;
  const varsPath = devDir ? join(devDir, "dev.vars") : join(ROOT, ".dev.vars");

  if (!(await portIsFree(options.port))) {
    console.error(busyPortMessage(options.port));
    return 1;
  }

  const choice = await chooseConfig(ROOT, options.config, process.env.INIT_CWD ?? process.cwd());
  const material = await ensureDevMaterial(ROOT, undefined, devDir);
  for (const path of material.created) console.log(`created ${path}`);
  const origin = `${options.https ? "https" : "http"}://127.0.0.1:${options.port}`;
  const devBindings = {
    CA_KEY: material.caKeyPem,
    CA_CERT: material.caCertPem,
    CMP_SECRETS: JSON.stringify({ [material.reference]: material.secret }),
    ADMIN_TOKEN: material.adminToken,
    ENROLLMENT_CODE_KEY: material.enrollmentCodeKey,
    PUBLIC_BASE_URL: origin,
  };
  let bindings, profiles;
  try {
    bindings = envBindings(parsedOrAsIs(choice.value), process.env, DEV_BINDINGS);
    profiles = await checkStartConfig({ ...bindings, ...devBindings, JELLYFISH_CONFIG: choice.value });
  } catch (error) {
    if (error instanceof InvalidStartConfig || error instanceof StartConfigError) throw new StartConfigError(`${choice.origin}: ${error.message}`);
    throw error;
  }

  let tls: DevTls | undefined;
  if (options.https) {
    tls = await ensureDevTls(material.dir);
    for (const path of tls.created) console.log(`created ${path}`);
  }
  const config = choice.writeToDevVars ? (typeof choice.value === "string" ? choice.value : JSON.stringify(choice.value)) : undefined;
  await writeDevVars(varsPath, renderDevVars(material, { baseUrl: origin, config, bindings }));

  const args = ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--env-file", varsPath];
  if (devDir) args.push("--persist-to", join(devDir, "state"));
  if (tls) args.push("--local-protocol", "https", "--https-key-path", tls.serverKeyPath, "--https-cert-path", tls.serverCertPath);
  const wrangler = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, {
    cwd: ROOT,
    stdio: "inherit",
    // Request.cf is Cloudflare's per-request metadata, which Jellyfish never reads: without this,
    // wrangler fetches a sample of it from workers.cloudflare.com and prints a stack trace offline.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false" },
  });
  forwardSignals(wrangler);
  wrangler.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  wrangler.on("error", (error) => {
    console.error(`cannot run wrangler: ${error.message}`);
    process.exit(1);
  });

  const fetch = tls ? fetchTrusting(await readFile(tls.caCertPath, "utf8")) : globalThis.fetch;
  if (await waitForWorker(`${origin}/.well-known/cmp`, wrangler, fetch)) {
    console.log(devBanner(ROOT, material, { origin, configOrigin: choice.origin, profiles, tls }));
  }
  return undefined;
}

/** The configuration as an object where it is JSON text; text that is not JSON is left to the loader to report. */
function parsedOrAsIs(value: string | Record<string, unknown>): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function forwardSignals(child: ChildProcess): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof StartUsageError) {
      console.error(`error: ${error.message}\n\n${START_USAGE}`);
      process.exit(2);
    }
    if (error instanceof StartConfigError) {
      console.error(`error: ${error.message}`);
      process.exit(1);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
