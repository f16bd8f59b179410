import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { devBanner } from "./dev_banner.js";
import { ensureDevMaterial } from "./dev_ca.js";
import { writeDevVars } from "./dev_vars.js";

/**
 * `npm start`: the development server. Makes (once) or reuses the material in
 * .dev/, writes .dev.vars, runs `wrangler dev` on 127.0.0.1 with local state,
 * and prints how to enroll once the Worker answers. Options: PORT (8787).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const READY_TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  const material = await ensureDevMaterial(ROOT);
  for (const path of material.created) console.log(`created ${path}`);
  await writeDevVars(ROOT, material, port);

  const wrangler = spawn(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port)],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  forwardSignals(wrangler);
  wrangler.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
  wrangler.on("error", (error) => {
    console.error(`cannot run wrangler: ${error.message}`);
    process.exit(1);
  });

  if (await waitUntilAnswering(`http://127.0.0.1:${port}/.well-known/cmp`, wrangler)) {
    console.log(devBanner(ROOT, material, port));
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 8787;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be 1..65535, not "${value}"`);
  return port;
}

function forwardSignals(child: ChildProcess): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
}

/** Polls until the endpoint gives any HTTP answer; false if wrangler exits or time runs out first. */
async function waitUntilAnswering(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  if (child.exitCode === null) console.error(`${url} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
  return false;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
