import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/**
 * Jellyfish on AWS: the CA key in KMS, all state in one DynamoDB table, the
 * engine in a Lambda behind a Function URL, and a second Lambda (same code,
 * same role) that an EventBridge rule runs every five minutes to expire
 * waiting requests and unconfirmed certificates.
 *
 * The CA certificate cannot exist before the stack does (it is made by
 * `jellyfish ca init` with the key this stack creates), so it is a
 * CloudFormation parameter rather than a build-time value: the first deploy
 * leaves it empty (the function answers "misconfigured: CA_CERT is not set"),
 * the second passes `--parameters CaCert=...`, and every later `cdk deploy`
 * keeps the previous value by itself (the CLI's --previous-parameters
 * default), so a routine redeploy cannot silently drop the certificate.
 * The secrets (CMP_SECRETS, ADMIN_TOKEN, ADMIN_TOKENS, ENROLLMENT_CODE_KEY) follow the same
 * flow as NoEcho parameters so they never appear in the template or cdk.out.
 */

/** The KMS key specs a CA key may have: those src/kms/aws_kms_algorithms.ts can sign with. */
export const KEY_SPECS = ["ECC_NIST_P256", "ECC_NIST_P384", "RSA_2048", "RSA_3072", "RSA_4096"] as const;
export type CaKeySpec = (typeof KEY_SPECS)[number];

export const DEFAULT_KEY_SPEC: CaKeySpec = "ECC_NIST_P256";
export const DEFAULT_LOG_RETENTION_DAYS = 30;
export const KEY_ALIAS = "alias/jellyfish-ca";

/** The handlers of the bundle built by scripts/build_lambda.mjs from src/runtime/lambda.ts. */
export const HTTP_HANDLER = "index.handler";
export const SWEEP_HANDLER = "index.scheduled";

/** Exactly what the engine does with the CA key: sign, and read the public key to check the certificate. */
export const KMS_ACTIONS = ["kms:Sign", "kms:GetPublicKey"] as const;
/**
 * Exactly what the DynamoDB store does (src/store/dynamodb.ts): every write,
 * delete included, is an UpdateItem; Store.batch is a TransactWriteItems,
 * which IAM authorizes per item as UpdateItem and ConditionCheckItem
 * ("Using IAM with DynamoDB transactions", Developer Guide). No Scan (list
 * is a Query on one partition), no table-wide actions.
 */
export const DYNAMODB_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:UpdateItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:Query",
] as const;

/** Lambda refuses a function whose environment (names and values) exceeds 4 KB, but only at deploy time. */
const LAMBDA_ENVIRONMENT_LIMIT = 4096;

const DEFAULT_CODE_DIRECTORY = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/lambda");

export interface JellyfishStackProps extends StackProps {
  /** The CA key's KMS key spec; default ECC_NIST_P256. Changing it on a deployed stack replaces the key (the old one is retained). */
  keySpec?: CaKeySpec;
  /** Days CloudWatch keeps the functions' logs; one of the values CloudWatch Logs accepts. Default 30. */
  logRetentionDays?: number;
  /** JELLYFISH_CONFIG: the configuration as JSON text; absent means the built-in defaults (docs/configuration.md). */
  configJson?: string;
  /**
   * The functions' code. Default: the bundle in dist/lambda (npm run build:lambda).
   * Tests pass a stand-in so they need no build.
   */
  code?: lambda.Code;
}

export class JellyfishStack extends Stack {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;
  readonly handler: lambda.Function;
  readonly sweeper: lambda.Function;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: JellyfishStackProps = {}) {
    super(scope, id, props);
    const keySpec = checkKeySpec(props.keySpec ?? DEFAULT_KEY_SPEC);
    const retention = checkRetention(props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS);
    const config = props.configJson === undefined ? undefined : compactConfig(props.configJson);

    const caCert = new CfnParameter(this, "CaCert", {
      type: "String",
      default: "",
      description: "CA_CERT: PEM of the CA certificate (from `jellyfish ca init`), then its chain. Empty until the CA exists.",
    });
    const publicBaseUrl = new CfnParameter(this, "PublicBaseUrl", {
      type: "String",
      default: "",
      description:
        "PUBLIC_BASE_URL: the public origin relying parties reach (https://pki.example.com, or the FunctionUrl output without its trailing slash); certificates name their CRL, OCSP and CA certificate under it. Empty: none.",
    });
    const secrets = {
      CMP_SECRETS: secretParameter(this, "CmpSecrets", "CMP_SECRETS: JSON object of MAC secrets by sender reference."),
      ADMIN_TOKEN: secretParameter(this, "AdminToken", "ADMIN_TOKEN: bearer token of the administrator 'admin'; empty (and AdminTokens empty) disables /admin."),
      ADMIN_TOKENS: secretParameter(this, "AdminTokens", 'ADMIN_TOKENS: JSON of named operators, {"alice": {"role": "approver", "token": "…"}} (docs/admin-api.md); may be empty.'),
      ENROLLMENT_CODE_KEY: secretParameter(this, "EnrollmentCodeKey", "ENROLLMENT_CODE_KEY: 32 bytes, base64 or hex, sealing enrollment codes."),
    };

    this.key = new kms.Key(this, "CaKey", {
      description: "Jellyfish CA signing key",
      keySpec: kms.KeySpec[keySpec],
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      alias: KEY_ALIAS,
      // Deleting the key would orphan every certificate the CA ever issued:
      // nothing could sign a CRL or a renewal for them again.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new dynamodb.Table(this, "Store", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // DynamoDB deletes expired items by itself (within days); the store
      // still checks expiresAt on every read, so a late deletion is harmless.
      timeToLiveAttribute: "expiresAt",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The certificate records are the CA's memory of what it issued and revoked.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Kept when the stack is deleted like the key and table: they are the
    // record of who asked for what; the retention still expires old events.
    const httpLogs = new logs.LogGroup(this, "HandlerLogs", { retention, removalPolicy: RemovalPolicy.RETAIN });
    const sweepLogs = new logs.LogGroup(this, "SweeperLogs", { retention, removalPolicy: RemovalPolicy.RETAIN });

    // One role for both functions, written out statement by statement so a
    // reviewer can see every permission: no managed policy, no grant helper
    // that brings more actions than the code uses, no "*" resource.
    const role = new iam.Role(this, "FunctionRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "Jellyfish functions: sign with the CA key, read and write the store, write their logs",
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: "CaKey", actions: [...KMS_ACTIONS], resources: [this.key.keyArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: "Store", actions: [...DYNAMODB_ACTIONS], resources: [this.table.tableArn] }),
    );
    // The log groups exist already (created above), so CreateLogGroup is not
    // needed; a LogGroup's Arn attribute ends in ":*", which covers its streams.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "Logs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [httpLogs.logGroupArn, sweepLogs.logGroupArn],
      }),
    );

    const environment: Record<string, string> = {
      STORE_TABLE: this.table.tableName,
      CA_KMS_KEY_ID: this.key.keyArn,
      CA_CERT: caCert.valueAsString,
      PUBLIC_BASE_URL: publicBaseUrl.valueAsString,
      CMP_SECRETS: secrets.CMP_SECRETS.valueAsString,
      ADMIN_TOKEN: secrets.ADMIN_TOKEN.valueAsString,
      ADMIN_TOKENS: secrets.ADMIN_TOKENS.valueAsString,
      ENROLLMENT_CODE_KEY: secrets.ENROLLMENT_CODE_KEY.valueAsString,
    };
    if (config !== undefined) {
      environment.JELLYFISH_CONFIG = config;
      checkEnvironmentSize(environment, config);
    }

    const code = props.code ?? defaultCode();
    const common = {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      code,
      role,
      environment,
    };
    this.handler = new lambda.Function(this, "Handler", {
      ...common,
      description: "Jellyfish CMP endpoint",
      handler: HTTP_HANDLER,
      // A CMP client waits for the answer; a KMS call and a few DynamoDB
      // writes take well under a second, so 15 s only bounds a stuck call.
      timeout: Duration.seconds(15),
      logGroup: httpLogs,
    });
    this.sweeper = new lambda.Function(this, "Sweeper", {
      ...common,
      description: "Jellyfish expiry sweep: waiting requests and unconfirmed certificates",
      handler: SWEEP_HANDLER,
      // Nobody waits on the sweep, and it pages through the store; what it
      // does not finish in one run the next run (5 minutes later) picks up.
      timeout: Duration.seconds(60),
      logGroup: sweepLogs,
    });

    // CMP messages carry their own protection (MAC or signature), and the
    // admin API checks its bearer token, so the URL needs no IAM auth;
    // BUFFERED because openssl cmp needs a Content-Length, never chunked.
    this.url = this.handler.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });

    new events.Rule(this, "ExpirySchedule", {
      description: "Runs the Jellyfish expiry sweep",
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.sweeper)],
    });

    new CfnOutput(this, "FunctionUrl", { value: this.url.url, description: "CMP base URL: append .well-known/cmp/..." });
    new CfnOutput(this, "KeyArn", { value: this.key.keyArn, description: "The CA key: pass to jellyfish ca init --kms-key-id" });
    new CfnOutput(this, "TableName", { value: this.table.tableName, description: "The store table" });
  }
}

/**
 * The stack's parameters from CDK context (`cdk synth -c keySpec=RSA_3072`,
 * or the "context" of cdk.json). On the command line every value is text;
 * in cdk.json configJson may also be the configuration object itself.
 */
export function propsFromContext(context: (key: string) => unknown): Pick<JellyfishStackProps, "keySpec" | "logRetentionDays" | "configJson"> {
  const props: Pick<JellyfishStackProps, "keySpec" | "logRetentionDays" | "configJson"> = {};
  const keySpec = context("keySpec");
  if (keySpec !== undefined) props.keySpec = checkKeySpec(String(keySpec));
  const retention = context("logRetentionDays");
  if (retention !== undefined) {
    const days = typeof retention === "number" ? retention : /^\d+$/.test(String(retention)) ? Number(retention) : NaN;
    if (Number.isNaN(days)) throw new Error(`logRetentionDays must be a whole number of days, not "${String(retention)}"`);
    props.logRetentionDays = days;
  }
  const config = context("configJson");
  if (typeof config === "string") props.configJson = config;
  else if (typeof config === "object" && config !== null) props.configJson = JSON.stringify(config);
  else if (config !== undefined) throw new Error("configJson must be JSON text or an object");
  return props;
}

/**
 * Context from command-line arguments, for running the app without the CDK
 * CLI: `-c key=value`, `--context key=value` or `--context=key=value`, as the
 * CLI spells them. Anything else is refused rather than ignored, so a typo
 * cannot silently synthesize the defaults.
 */
export function contextFromArgs(args: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let pair: string | undefined;
    if (arg === "-c" || arg === "--context") pair = args[++i];
    else if (arg.startsWith("--context=")) pair = arg.slice("--context=".length);
    const equals = pair?.indexOf("=") ?? -1;
    if (pair === undefined || equals <= 0) {
      throw new Error(`unexpected argument "${arg}": give context as -c key=value`);
    }
    context[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return context;
}

function secretParameter(scope: Construct, id: string, description: string): CfnParameter {
  // Empty means unset: the runtime treats an empty setting as absent.
  return new CfnParameter(scope, id, { type: "String", default: "", noEcho: true, description });
}

function defaultCode(): lambda.Code {
  // Without this check a missing build would still synthesize, and deploy a
  // function that fails on every request with "Cannot find module".
  if (!existsSync(join(DEFAULT_CODE_DIRECTORY, "index.mjs"))) {
    throw new Error(`${DEFAULT_CODE_DIRECTORY}/index.mjs is missing: run npm run build:lambda first`);
  }
  return lambda.Code.fromAsset(DEFAULT_CODE_DIRECTORY);
}

export function checkKeySpec(value: string): CaKeySpec {
  if (!(KEY_SPECS as readonly string[]).includes(value)) {
    throw new Error(`keySpec must be one of ${KEY_SPECS.join(", ")}, not "${value}"`);
  }
  return value as CaKeySpec;
}

/** CloudWatch Logs accepts only certain retention periods; say so at synth, not halfway through a deploy. */
export function checkRetention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === "number");
  if (!allowed.includes(days)) {
    throw new Error(`logRetentionDays must be one of ${allowed.join(", ")} (${logs.RetentionDays.INFINITE} keeps logs forever), not ${days}`);
  }
  return days as logs.RetentionDays;
}

/**
 * Validates the configuration's JSON syntax now (a typo would otherwise only
 * show as "misconfigured" after the deploy) and drops its whitespace, since
 * it shares Lambda's 4 KB environment with the CA certificate. The schema
 * itself is checked by `npm run config:check`, and again by the function.
 */
export function compactConfig(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`configJson is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("configJson must be a JSON object");
  }
  return JSON.stringify(parsed);
}

function checkEnvironmentSize(environment: Record<string, string>, config: string): void {
  // Only names and the configuration are known now; the parameters and
  // resource names are added at deploy time, so this catches the hopeless case.
  const size = Buffer.byteLength(config);
  const known = Object.keys(environment).reduce((sum, name) => sum + name.length, 0) + size;
  if (known > LAMBDA_ENVIRONMENT_LIMIT) {
    throw new Error(`configJson is ${size} bytes compacted; with the other variables it exceeds Lambda's 4 KB environment limit`);
  }
}
