#!/usr/bin/env node
// Bundles the Lambda entry (src/runtime/lambda.ts) into dist/lambda/index.mjs,
// the code of both functions of the AWS stack (infra/aws/stack.ts: handlers
// index.handler and index.scheduled). Plain JavaScript like
// build_cli.mjs, so `npm run synth:aws` needs nothing but node and esbuild.
//
// Usage: node scripts/build_lambda.mjs [--outdir <dir>]

import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = resolve(values.outdir ?? join(ROOT, "dist/lambda"));

// The directory is the Lambda asset as a whole: a stale file left in it would be uploaded too.
await rm(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: ROOT,
  entryPoints: [join(ROOT, "src/runtime/lambda.ts")],
  outfile: join(outdir, "index.mjs"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // The nodejs22.x runtime ships AWS SDK v3 and resolves it for ES modules
  // too, so leaving it out keeps the bundle (and the cold start) small. The
  // runtime's SDK version is not the one in package-lock.json; the clients we
  // use (KMS, DynamoDB) are stable across v3.
  external: ["@aws-sdk/*"],
  // An ES module has no `require`; a CommonJS dependency that requires a
  // Node built-in would otherwise fail with "Dynamic require is not supported".
  banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  legalComments: "none",
  logLevel: "warning",
});
