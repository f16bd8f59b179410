import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Builds the real CLI bundle with the real build script (into a temporary
 * folder, so parallel test files and the developer's dist/ do not collide)
 * and runs it as a child process, the way an operator does.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BuiltCli {
  path: string;
  /** Runs `node jellyfish.js …args` with only PATH and `env` in its environment. */
  jellyfish(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  remove(): Promise<void>;
}

export async function buildCli(): Promise<BuiltCli> {
  const dir = await mkdtemp(join(tmpdir(), "jellyfish-cli-"));
  const path = join(dir, "jellyfish.js");
  await run(process.execPath, [join(ROOT, "scripts/build_cli.mjs"), "--outfile", path], { cwd: ROOT });
  return {
    path,
    jellyfish: (args, env = {}) => runCli(path, args, env),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function runCli(path: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  // A clean environment: the developer's own JELLYFISH_* must not leak in.
  const childEnv = { PATH: process.env.PATH ?? "", ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [path, ...args], { env: childEnv, cwd: tmpdir() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
