// The CDK app (cdk.json "app"): one JellyfishStack named "Jellyfish",
// parameterised by context (keySpec, logRetentionDays, configJson) from the
// "context" of cdk.json or `-c key=value`. No env (account/region) is set, so
// synthesis needs no credentials and makes no lookups; `cdk deploy` deploys to
// the account and region of the caller.
//
// It runs two ways: under the CDK CLI (cdk synth/deploy), which passes the
// context and the output directory in CDK_CONTEXT_JSON and CDK_OUTDIR; or
// directly (`tsx infra/aws/app.ts -c key=value`, what `npm run synth:aws`
// does), which reads the same cdk.json context and writes the same cloud
// assembly to cdk.out without the CLI at all.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { contextFromArgs, JellyfishStack, propsFromContext } from "./stack.js";

const underCli = process.env.CDK_OUTDIR !== undefined;
const app = new App({
  outdir: process.env.CDK_OUTDIR ?? "cdk.out",
  // Under the CLI the arguments are the CLI's, and it has merged cdk.json already.
  context: underCli ? {} : { ...cdkJsonContext(), ...contextFromArgs(process.argv.slice(2)) },
});
const stack = new JellyfishStack(app, "Jellyfish", {
  description: "Jellyfish CMP server: KMS CA key, DynamoDB store, Lambda Function URL",
  ...propsFromContext((key) => app.node.tryGetContext(key)),
});
const assembly = app.synth();
if (!underCli) console.error(`synthesized ${assembly.getStackByName(stack.stackName).templateFullPath}`);

/** The "context" object of the top-level cdk.json, as the CLI would pass it. */
function cdkJsonContext(): Record<string, unknown> {
  const file = join(dirname(fileURLToPath(import.meta.url)), "../../cdk.json");
  const { context } = JSON.parse(readFileSync(file, "utf8")) as { context?: Record<string, unknown> };
  return context ?? {};
}
