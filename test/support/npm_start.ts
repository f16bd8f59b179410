import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free_port.js";

/**
 * `npm start` (scripts/start.ts) as an operator runs it, for tests: its own
 * port and its own development folder (JELLYFISH_DEV_DIR: material, vars
 * file and local state), so that servers of parallel test files never
 * rewrite each other's .dev.vars or share a Durable Object database. The
 * server leads its own process group (wrangler and workerd are in it), which
 * stop() ends.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const READY_MS = 120_000;

export interface NpmStartOptions {
  /** After `npm start --`: --config, --https, … (--port is added unless given). */
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** A port of the test's choosing (e.g. one it keeps busy); a free one by default. */
  port?: number;
}

export interface NpmStart {
  port: number;
  /** http(s)://127.0.0.1:port */
  origin: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** The first printed line starting with `start` (trimmed); throws if there is none. */
  printed(start: string): string;
  /** The development folder and the files in it the banner names. */
  dev: { dir: string; caCert: string; adminToken: string; secret: string; deviceKey: string; tlsCa: string };
  /** Resolves with the exit code once the process has ended (null: ended by a signal). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the server and waits for its banner; throws (after stopping it) if it exits or prints none in time. */
export async function npmStart(options: NpmStartOptions = {}): Promise<NpmStart> {
  const server = await spawnNpmStart(options);
  const deadline = Date.now() + READY_MS;
  let ended = false;
  void server.exited.then(() => (ended = true));
  while (!server.output().includes("Jellyfish development server") && !ended && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
  }
  // The banner is printed in one write, but let it finish arriving.
  await new Promise((done) => setTimeout(done, 200));
  if (!server.output().includes("openssl verify")) {
    await server.stop();
    throw new Error(`npm start printed no banner:\n${server.output()}`);
  }
  return server;
}

/** Runs `npm start` expecting it to end by itself (a refused start): its exit code and output. */
export async function npmStartRefused(options: NpmStartOptions = {}): Promise<{ code: number | null; output: string; devDir: string }> {
  const server = await spawnNpmStart(options);
  const timer = setTimeout(() => void server.stop(), 60_000);
  const code = await server.exited;
  clearTimeout(timer);
  await server.stop();
  return { code, output: server.output(), devDir: server.dev.dir };
}

async function spawnNpmStart(options: NpmStartOptions): Promise<NpmStart> {
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), "jellyfish-npm-start-"));
  const args = [...(options.args ?? [])];
  if (!args.includes("--port")) args.push("--port", String(port));
  const child = spawn(join(ROOT, "node_modules/.bin/tsx"), ["scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", JELLYFISH_DEV_DIR: dir, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      signalGroup(child.pid!, "SIGTERM");
      await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
      signalGroup(child.pid!, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    })());
  return {
    port,
    origin: `${args.includes("--https") ? "https" : "http"}://127.0.0.1:${port}`,
    output: () => output,
    printed: (start) => {
      const line = output.split("\n").map((l) => l.trim()).find((l) => l.startsWith(start));
      if (line === undefined) throw new Error(`npm start printed no line starting "${start}":\n${output}`);
      return line;
    },
    dev: {
      dir,
      caCert: join(dir, "ca.pem"),
      adminToken: join(dir, "admin-token.txt"),
      secret: join(dir, "secret.txt"),
      deviceKey: join(dir, "device.key.pem"),
      tlsCa: join(dir, "https-ca.pem"),
    },
    exited,
    stop,
  };
}

/** Signals the process group `npm start` leads; gone already is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/** A command line as printed, run by the shell from the repository folder. */
export function shell(command: string, timeoutMs = 60_000): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile("sh", ["-c", command], { cwd: ROOT, timeout: timeoutMs }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: `${stdout}${stderr}` });
    });
  });
}
