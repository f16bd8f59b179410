import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { relocatedToml } from "./bundle.js";
import { startMiniflareTarget } from "./miniflare_target.js";
import { ROOT } from "./targets.js";
import { prepare, type WorkloadSetup } from "./workloads.js";

/**
 * Durable Object calls per MAC enrollment counted in workerd itself: the
 * bundle built from bench/do_calls_entry.ts (Jellyfish with a StoreObject
 * that counts what it is called with) in Miniflare, `enrollments` MAC
 * enrollments (ir + certConf) one after another, and the object's count
 * before and after. Kept apart from the load targets, which run the bundle
 * as deployed, uncounted.
 */
export async function durableObjectCallsInWorkerd(
  bindings: Record<string, string>,
  setupFor: (url: string) => WorkloadSetup,
  enrollments: number,
): Promise<number> {
  const server = await startMiniflareTarget(bindings, await countingConfig());
  try {
    const countUrl = new URL("/__bench/do-calls", server.url).toString();
    const count = async () => ((await (await fetch(countUrl)).json()) as { calls: number }).calls;
    const enroll = await prepare("mac-ir", setupFor(server.url), 1, 0);
    await enroll(0); // The first request builds the instance; not every backend does that with the same calls.
    const before = await count();
    for (let i = 0; i < enrollments; i++) await enroll(0);
    return ((await count()) - before) / enrollments;
  } finally {
    await server.stop();
  }
}

/** wrangler.toml with bench/do_calls_entry.ts as main, written under .wrangler/ (git-ignored) like bundle.ts's. */
async function countingConfig(): Promise<string> {
  const toml = await readFile(join(ROOT, "wrangler.toml"), "utf8");
  const dir = join(ROOT, ".wrangler");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "bench-do-calls.toml");
  await writeFile(path, relocatedToml(toml).replace(/^main = "[^"]+"/m, 'main = "../bench/do_calls_entry.ts"'));
  return path;
}
