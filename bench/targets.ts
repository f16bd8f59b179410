import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startOpensslMock as startMock } from "../test/client/openssl_mock_server.js";
import { freePort } from "../test/support/free_port.js";

/**
 * The servers under test, each a child process so that its CPU time can be
 * read from /proc apart from the load generator's: Jellyfish on Node,
 * Jellyfish in workerd (wrangler dev), and the `openssl cmp` mock server.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Target {
  url: string;
  /** CPU milliseconds (user + system) the server has used so far. */
  cpuMs(): number;
  /** What it printed, for diagnosis when it fails. */
  output(): string;
  /** The server's process, where there is one process to signal (bench/profile_node.ts). */
  pid?: number;
  stop(): Promise<void>;
}

export const TICKS_PER_SECOND = clockTicks();

/** getconf CLK_TCK: /proc/<pid>/stat counts utime and stime in these. */
function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

/** /proc/<pid>/stat: comm is in parentheses and may hold spaces, so fields are counted after the last ')'. */
function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // After comm: state(0) ppid(1) ... utime(11) stime(12).
    return { pid, ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // It ended.
  }
}

/** The process and all its live descendants. */
export function processTree(root: number): ProcStat[] {
  const all = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).flatMap((name) => procStat(Number(name)) ?? []);
  const tree: ProcStat[] = [];
  const wanted = new Set([root]);
  // Parents come before children only by chance; repeat until nothing new joins.
  for (let grown = true; grown; ) {
    grown = false;
    for (const stat of all) {
      if (!tree.includes(stat) && (wanted.has(stat.pid) || wanted.has(stat.ppid))) {
        tree.push(stat);
        wanted.add(stat.pid);
        grown = true;
      }
    }
  }
  return tree;
}

export function cpuMsOf(pid: number): number {
  return ((procStat(pid)?.ticks ?? 0) * 1000) / TICKS_PER_SECOND;
}

/**
 * The last few KiB a server wrote, for start-up detection and error reports.
 * Only a tail is kept: a server under load logs a line per message, and
 * keeping all of it would grow this (the client's) process for nothing.
 */
export function outputTail(...streams: (Readable | null | undefined)[]): () => string {
  let text = "";
  for (const stream of streams) stream?.on("data", (chunk: Buffer) => (text = (text + chunk.toString("utf8")).slice(-16_384)));
  return () => text;
}

function capture(child: ChildProcess): { text(): string; exited(): boolean; exit: Promise<void> } {
  let exited = false;
  const text = outputTail(child.stdout, child.stderr);
  const exit = new Promise<void>((done) => child.once("exit", () => ((exited = true), done())));
  return { text, exited: () => exited, exit };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, failed: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) return false;
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 50));
  }
  return false;
}

function stopper(child: ChildProcess, exit: Promise<void>, exited: () => boolean): () => Promise<void> {
  return async () => {
    if (exited()) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exit;
    clearTimeout(timer);
  };
}

/** bench/node_target.ts under `node --import tsx`, so the child's pid is the server itself (no tsx wrapper process). */
export async function startNodeTarget(env: Record<string, string>): Promise<Target> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/node_target.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = capture(child);
  const started = await waitFor(() => /URL (\S+)/.test(out.text()), 30_000, out.exited);
  const stop = stopper(child, out.exit, out.exited);
  if (!started) {
    await stop();
    throw new Error(`Jellyfish on Node did not start: ${out.text()}`);
  }
  const base = /URL (\S+)/.exec(out.text())![1]!;
  return { url: `${base}/.well-known/cmp`, cpuMs: () => cpuMsOf(child.pid!), output: out.text, pid: child.pid, stop };
}

/**
 * `wrangler dev --local`: the Worker bundle in workerd with local Durable
 * Objects. Settings come in an env file (like .dev.vars) and state goes to
 * `stateDir`, so nothing is written to the repository but wrangler's own
 * .wrangler/tmp (git-ignored). The CPU counted is that of the workerd
 * processes under wrangler, not wrangler's own Node process.
 */
export async function startWranglerTarget(envFile: string, stateDir: string, timeoutMs: number): Promise<Target> {
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--local", "--env-file", envFile, "--persist-to", stateDir, "--show-interactive-dev-session=false"],
    { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: false },
  );
  const out = capture(child);
  const url = `http://127.0.0.1:${port}/.well-known/cmp`;
  const answering = async () => {
    try {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/pkixcmp" }, body: new Uint8Array([0x30, 0]) });
      await response.arrayBuffer();
      return true;
    } catch {
      return false;
    }
  };
  const stopWrangler = stopper(child, out.exit, out.exited);
  const workerd = () => processTree(child.pid!).filter((stat) => stat.comm.startsWith("workerd"));
  const stop = async () => {
    // wrangler normally takes workerd down with it; make sure, by pid.
    const left = workerd().map((stat) => stat.pid);
    await stopWrangler();
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  if (!(await waitFor(answering, timeoutMs, out.exited))) {
    await stop();
    throw new Error(`wrangler dev did not answer within ${timeoutMs / 1000} s: ${out.text().slice(-2000)}`);
  }
  return {
    url,
    // workerd processes live for the whole run, so before/after differences are theirs.
    cpuMs: () => (workerd().reduce((sum, stat) => sum + stat.ticks, 0) * 1000) / TICKS_PER_SECOND,
    output: out.text,
    stop,
  };
}

/**
 * `openssl cmp -port`: OpenSSL's mock server, started as the client tests
 * start it. It binds all interfaces (no bind address option), which is why
 * the run sits in its own network namespace when it can. -max_msgs 0: serve
 * without a message limit.
 */
export async function startOpensslMock(args: readonly string[]): Promise<Target> {
  const mock = await startMock(["-max_msgs", "0", ...args]);
  return { url: mock.url, cpuMs: () => cpuMsOf(mock.pid), output: () => mock.log().slice(-4000), stop: mock.stop };
}
