import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { ROOT } from "./targets.js";

export interface BundleSize {
  gzipBytes: number;
  rawBytes: number;
}

export interface BundleResult extends BundleSize {
  /** The same build with @aws-sdk/client-kms replaced by a stub: Jellyfish's own code. */
  withoutAwsSdk: BundleSize;
  /** Median milliseconds from `new Miniflare` to ready with the bundle: workerd process start plus module load and start-up. */
  miniflareReadyMs: number;
  /** The same for a trivial Worker, to subtract workerd's own start. */
  emptyWorkerReadyMs: number;
}

/**
 * `wrangler deploy --dry-run --outdir`: the bundle Cloudflare would get (as
 * wrangler.toml says, minified), its main module gzipped with node:zlib;
 * then the same without the AWS SDK; then start-up of the deployed one.
 */
export async function bundleMeasures(starts: number, bindings: Record<string, string>): Promise<BundleResult> {
  const outdir = await mkdtemp(join(tmpdir(), "jellyfish-bench-bundle-"));
  try {
    const deployed = await build(join(ROOT, "wrangler.toml"), join(outdir, "deployed"));
    const withoutAwsSdk = await build(await configWithoutAwsSdk(), join(outdir, "without-aws-sdk"));
    const compatibility = { compatibilityDate: "2026-04-01", compatibilityFlags: await flags() };
    const timeReady = async (worker: object): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < starts; i++) {
        const begin = performance.now();
        // The two worker shapes differ (modules list vs script); both are MiniflareOptions.
        // The Worker's log line for each probe is drained, not printed into the report.
        const drain = (stdout: Readable, stderr: Readable) => (stdout.resume(), stderr.resume());
        const mf = new Miniflare({ host: "127.0.0.1", port: 0, cf: false, handleRuntimeStdio: drain, ...compatibility, ...worker } as MiniflareOptions);
        await mf.ready;
        // One request, so the module has certainly been evaluated.
        await (await mf.dispatchFetch("http://localhost/.well-known/cmp", { method: "GET" })).arrayBuffer();
        times.push(performance.now() - begin);
        await mf.dispose();
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    };
    const miniflareReadyMs = await timeReady({
      modules: [{ type: "ESModule", path: deployed.path, contents: deployed.contents.toString("utf8") }],
      modulesRoot: join(outdir, "deployed"),
      durableObjects: { STORE_DO: { className: "StoreObject", useSQLite: true } },
      bindings, // CA_KEY, CA_CERT, CMP_SECRETS: so the first request is answered by a configured Jellyfish.
    });
    const emptyWorkerReadyMs = await timeReady({ modules: true, script: "export default { fetch() { return new Response('') } }" });
    return { ...size(deployed.contents), withoutAwsSdk: size(withoutAwsSdk.contents), miniflareReadyMs, emptyWorkerReadyMs };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function size(contents: Buffer): BundleSize {
  return { gzipBytes: gzipSync(contents, { level: 9 }).length, rawBytes: contents.length };
}

export async function build(config: string, outdir: string): Promise<{ path: string; contents: Buffer }> {
  await new Promise<void>((done, failed) =>
    execFile(
      join(ROOT, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--config", config, "--outdir", outdir],
      { cwd: ROOT, timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
      (error, _stdout, stderr) => (error ? failed(new Error(`wrangler build failed: ${stderr || error.message}`)) : done()),
    ),
  );
  const modules = (await readdir(outdir)).filter((name) => /\.m?js$/.test(name));
  const main = modules.includes("cloudflare.js") ? "cloudflare.js" : modules[0]!;
  return { path: join(outdir, main), contents: await readFile(join(outdir, main)) };
}

/**
 * wrangler.toml with an [alias] for the SDK, written under .wrangler/
 * (git-ignored); `main` and the aliases wrangler.toml already has (asn1js)
 * are made relative to it, and the SDK's goes into the same [alias] table
 * (TOML allows a table once). (wrangler 4.86's --alias flag left the bundle
 * unchanged, the config table works.)
 */
export async function configWithoutAwsSdk(): Promise<string> {
  const toml = await readFile(join(ROOT, "wrangler.toml"), "utf8");
  const dir = join(ROOT, ".wrangler");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "bench-without-aws-sdk.toml");
  const stub = `"@aws-sdk/client-kms" = ${JSON.stringify(join(ROOT, "bench/no_aws_sdk.ts"))}`;
  const relative = relocatedToml(toml);
  const withStub = /^\[alias\]$/m.test(relative) ? relative.replace(/^\[alias\]$/m, `[alias]\n${stub}`) : `${relative}\n[alias]\n${stub}\n`;
  await writeFile(path, withStub);
  return path;
}

/**
 * wrangler.toml's text for a copy under .wrangler/: wrangler resolves main
 * and the [alias] paths relative to the config file, so "./x" becomes "../x".
 */
export function relocatedToml(toml: string): string {
  return toml.replace(/^main = "\.?\/?([^"]+)"/m, 'main = "../$1"').replace(/^("[^"]+"\s*=\s*)"\.\/([^"]+)"$/gm, '$1"../$2"');
}

async function flags(): Promise<string[]> {
  const toml = await readFile(join(ROOT, "wrangler.toml"), "utf8");
  const list = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  return list ? [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [];
}
