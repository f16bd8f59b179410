#!/usr/bin/env node
// Bundles the operator CLI (src/cli/main.ts) into one ESM file that plain
// Node runs, dist/cli/jellyfish.js, the `bin` of package.json. It is plain
// JavaScript, not TypeScript, because `npm install` runs it (the `prepare`
// script) and must not depend on a TypeScript runner being set up first.
//
// Usage: node scripts/build_cli.mjs [--outfile <path>]
// (--outfile lets tests build a private copy instead of overwriting dist/.)

import { chmod } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = resolve(values.outfile ?? join(ROOT, "dist/cli/jellyfish.js"));

await build({
  absWorkingDir: ROOT,
  entryPoints: [join(ROOT, "src/cli/main.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The AWS SDK inside is CommonJS and require()s Node's built-ins; an ESM
  // bundle has no require unless the banner makes one.
  banner: { js: '#!/usr/bin/env node\nimport { createRequire as __jellyfishCreateRequire } from "node:module";\nconst require = __jellyfishCreateRequire(import.meta.url);' },
  legalComments: "none",
  logLevel: "warning",
});
// The bin link npm makes is executable anyway; this lets ./dist/cli/jellyfish.js run directly too.
await chmod(outfile, 0o755);
