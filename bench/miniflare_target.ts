import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Miniflare } from "miniflare";
import { build } from "./bundle.js";
import { outputTail, processTree, ROOT, TICKS_PER_SECOND, type Target } from "./targets.js";

/**
 * The deployed bundle (`wrangler deploy --dry-run`) in workerd through
 * Miniflare, with a local Durable Object store: Jellyfish as it runs in
 * production, without `wrangler dev`'s proxy Worker in front of it, which
 * the wrangler target's workerd CPU includes. The CPU counted is that of
 * the workerd processes Miniflare starts (children of this process; the
 * wrangler target's are gone by the time this one runs). `config`: another
 * wrangler config to build instead (bench/do_calls.ts counts with one).
 */
export async function startMiniflareTarget(bindings: Record<string, string>, config = join(ROOT, "wrangler.toml")): Promise<Target> {
  const outdir = await mkdtemp(join(tmpdir(), "jellyfish-bench-miniflare-"));
  const bundle = await build(config, outdir);
  let output = () => "";
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    compatibilityDate: "2026-04-01",
    modules: [{ type: "ESModule", path: bundle.path, contents: bundle.contents.toString("utf8") }],
    modulesRoot: dirname(bundle.path),
    durableObjects: { STORE_DO: { className: "StoreObject", useSQLite: true } },
    durableObjectsPersist: join(outdir, "state"),
    bindings,
    // The Worker logs a line per message: keep a tail instead of printing it into the report.
    handleRuntimeStdio: (stdout, stderr) => (output = outputTail(stdout, stderr)),
  });
  const base = await mf.ready;
  const workerd = () => processTree(process.pid).filter((stat) => stat.comm.startsWith("workerd"));
  return {
    url: new URL("/.well-known/cmp", base).toString(),
    cpuMs: () => (workerd().reduce((sum, stat) => sum + stat.ticks, 0) * 1000) / TICKS_PER_SECOND,
    output: () => output(),
    stop: async () => {
      await mf.dispose();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}
