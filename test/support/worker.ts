import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

/**
 * Runs the real Worker for interop tests: the bundle wrangler would deploy,
 * in workerd via Miniflare, on 127.0.0.1 and a free port, with the Durable
 * Object store in memory. Tests read the Worker's JSON log lines to check
 * what the server decided.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface WorkerOptions {
  /** JELLYFISH_CONFIG: JSON text or an object to serialise; absent: the embedded defaults. */
  config?: string | object;
  /** CMP_SECRETS: MAC secrets by reference. */
  secrets?: Record<string, string>;
  /** CA_KEY: PKCS #8 PEM. */
  caKey?: string;
  /** CA_CERT: the CA certificate PEM, then its chain. */
  caCert?: string;
  /** Any other vars, e.g. { STORE: "kv" }. */
  vars?: Record<string, string>;
  /**
   * Two instances of the Worker (two isolates, each on its own port) that share
   * one Durable Object store: what a deployment looks like from two places.
   */
  twoInstances?: boolean;
  /**
   * Listen on this port instead of one the system picks: for a test that
   * must know the Worker's URL before it starts (PUBLIC_BASE_URL, which
   * issued certificates carry). Pick it with freePort().
   */
  port?: number;
}

export interface RunningWorker {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:40123 */
  url: string;
  /** With twoInstances: the second instance's base URL. */
  secondUrl?: string;
  /** The Worker's console lines that are JSON objects (the per-message log), in order. */
  logLines(): Array<Record<string, unknown>>;
  /** Every console line, JSON or not, for diagnosis. */
  consoleLines(): string[];
  /** What the Worker's Durable Object store holds under `prefix` (read through its RPC interface). */
  storeList<T = Record<string, unknown>>(prefix: string): Promise<Array<{ key: string; value: T }>>;
  stop(): Promise<void>;
}

interface Bundle {
  /** Where wrangler wrote it (already deleted: the contents are kept in memory). */
  path: string;
  contents: string;
}

let bundle: Promise<Bundle> | undefined;

/**
 * Builds the bundle once per test process (`wrangler deploy --dry-run
 * --outdir`), keeps it in memory and deletes the output at once, since a
 * test process may be killed without running exit handlers.
 */
export function buildWorkerBundle(): Promise<Bundle> {
  bundle ??= new Promise((resolveBundle, reject) => {
    const outdir = mkdtempSync(join(tmpdir(), "jellyfish-bundle-"));
    execFile(
      join(ROOT, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir],
      { cwd: ROOT, timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
      (error, _stdout, stderr) => {
        try {
          if (error) throw new Error(`wrangler build failed: ${stderr || error.message}`);
          const path = join(outdir, mainModuleName());
          resolveBundle({ path, contents: readFileSync(path, "utf8") });
        } catch (failure) {
          reject(failure);
        } finally {
          rmSync(outdir, { recursive: true, force: true });
        }
      },
    );
  });
  return bundle;
}

/** wrangler names the bundle after `main`: src/runtime/cloudflare.ts -> cloudflare.js */
function mainModuleName(): string {
  const main = /^main\s*=\s*"([^"]+)"/m.exec(wranglerToml())?.[1];
  if (!main) throw new Error("wrangler.toml has no main");
  return main.replace(/^.*\//, "").replace(/\.[cm]?[jt]s$/, ".js");
}

function wranglerToml(): string {
  return readFileSync(join(ROOT, "wrangler.toml"), "utf8");
}

function compatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = wranglerToml();
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  return {
    compatibilityDate: date,
    compatibilityFlags: flags ? [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [],
  };
}

export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  const { path, contents } = await buildWorkerBundle();
  const lines: string[] = [];
  const bindings: Record<string, string> = { ...options.vars };
  if (options.config !== undefined) {
    bindings.JELLYFISH_CONFIG = typeof options.config === "string" ? options.config : JSON.stringify(options.config);
  }
  if (options.secrets !== undefined) bindings.CMP_SECRETS = JSON.stringify(options.secrets);
  if (options.caKey !== undefined) bindings.CA_KEY = options.caKey;
  if (options.caCert !== undefined) bindings.CA_CERT = options.caCert;

  const worker = {
    // Module names are paths relative to modulesRoot; the contents come from memory.
    modules: [{ type: "ESModule" as const, path, contents }],
    modulesRoot: dirname(path),
    ...compatibility(),
    bindings,
  };
  const shared = {
    host: "127.0.0.1",
    port: options.port ?? 0,
    // Offline: use Miniflare's placeholder Request.cf instead of fetching one.
    cf: false,
    // workerd's structured logs carry each console.log line as `message`.
    handleStructuredLogs: ({ message }: { message: string }) => {
      for (const line of message.split("\n")) if (line.trim() !== "") lines.push(line);
    },
  };
  const mf = options.twoInstances
    ? new Miniflare({
        ...shared,
        workers: [
          { ...worker, name: "first", durableObjects: { STORE_DO: { className: "StoreObject", useSQLite: true } } },
          // The second instance binds the first one's Durable Object class: one store.
          {
            ...worker,
            name: "second",
            durableObjects: { STORE_DO: { className: "StoreObject", scriptName: "first", useSQLite: true } },
            unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
          },
        ],
      })
    : new Miniflare({ ...shared, ...worker, durableObjects: { STORE_DO: { className: "StoreObject", useSQLite: true } } });
  let url: URL;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const secondUrl = options.twoInstances ? (await mf.unsafeGetDirectURL("second")).origin : undefined;
  return {
    url: url.origin,
    secondUrl,
    consoleLines: () => [...lines],
    logLines: () => lines.flatMap((line) => parseObject(line)),
    async storeList<T>(prefix: string) {
      const namespace = await mf.getDurableObjectNamespace("STORE_DO");
      // The same object the Worker uses (DurableObjectStore's default name).
      const stub = namespace.get(namespace.idFromName("jellyfish")) as unknown as {
        listEntries(prefix: string, after: string | null, limit: number, now: number): Promise<Array<{ key: string; json: string }>>;
      };
      const rows = await stub.listEntries(prefix, null, 1000, Date.now());
      return rows.map(({ key, json }) => ({ key, value: JSON.parse(json) as T }));
    },
    stop: () => (stopped ??= mf.dispose()),
  };
}

function parseObject(line: string): Array<Record<string, unknown>> {
  if (!line.startsWith("{")) return [];
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}
