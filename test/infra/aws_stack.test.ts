import { App, type CfnElement } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  contextFromArgs,
  DYNAMODB_ACTIONS,
  HTTP_HANDLER,
  JellyfishStack,
  KMS_ACTIONS,
  propsFromContext,
  SWEEP_HANDLER,
  type JellyfishStackProps,
} from "../../infra/aws/stack.js";

/**
 * The AWS stack, synthesized in-process (no CDK CLI, no esbuild bundle: the
 * code is an inline stand-in). One synthesis per parameter set, shared by the
 * assertions on it.
 */

// Only the template is inspected; the handlers named by the stack need not exist in it.
const STAND_IN = lambda.Code.fromInline("export const handler = async () => ({});");

interface Synthesized {
  app: App;
  stack: JellyfishStack;
  template: Template;
  /** What CloudFormation sees for a construct: its Ref/GetAtt as the template spells it. */
  ref: (value: unknown) => unknown;
  logicalId: (construct: IConstruct) => string;
}

function synth(props: Omit<JellyfishStackProps, "code"> = {}): Synthesized {
  const app = new App();
  const stack = new JellyfishStack(app, "Jellyfish", { ...props, code: STAND_IN });
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    ref: (value) => stack.resolve(value),
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string };

function allStatements(template: Template): Statement[] {
  return Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe("JellyfishStack, defaults (P-256)", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it("makes a P-256 SIGN_VERIFY key, retained on delete and on replacement, with the alias", () => {
    s.template.resourceCountIs("AWS::KMS::Key", 1);
    s.template.hasResource("AWS::KMS::Key", {
      Properties: { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
    s.template.hasResourceProperties("AWS::KMS::Alias", {
      AliasName: "alias/jellyfish-ca",
      TargetKeyId: s.ref(s.stack.key.keyArn),
    });
  });

  it("makes the store table: pk/sk strings, on demand, TTL on expiresAt, point-in-time recovery, retained", () => {
    s.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    s.template.hasResource("AWS::DynamoDB::Table", {
      Properties: {
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("lets the functions' role sign with exactly that key and use exactly that table, nothing else", () => {
    const statements = allStatements(s.template);
    expect(statements.every((st) => st.Effect === "Allow")).toBe(true);

    const kms = statements.filter((st) => asList(st.Action).some((a) => a.startsWith("kms:")));
    expect(kms).toHaveLength(1);
    expect(asList(kms[0]!.Action).sort()).toEqual([...KMS_ACTIONS].sort());
    expect(asList(kms[0]!.Action).sort()).toEqual(["kms:GetPublicKey", "kms:Sign"]);
    expect(kms[0]!.Resource).toEqual({ "Fn::GetAtt": [s.logicalId(s.stack.key), "Arn"] });

    const dynamo = statements.filter((st) => asList(st.Action).some((a) => a.startsWith("dynamodb:")));
    expect(dynamo).toHaveLength(1);
    expect(asList(dynamo[0]!.Action).sort()).toEqual(
      ["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
    );
    expect([...DYNAMODB_ACTIONS].sort()).toEqual(asList(dynamo[0]!.Action).sort());
    // The table's ARN only: no index ARNs, no "<arn>/*", no other table.
    expect(dynamo[0]!.Resource).toEqual({ "Fn::GetAtt": [s.logicalId(s.stack.table), "Arn"] });

    // The rest is logs, and only on the stack's own log groups.
    const rest = statements.filter((st) => !kms.includes(st) && !dynamo.includes(st));
    expect(rest).toHaveLength(1);
    expect(asList(rest[0]!.Action).sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    const logGroups = Object.keys(s.template.findResources("AWS::Logs::LogGroup"));
    expect(asList(rest[0]!.Resource)).toEqual(logGroups.map((id) => ({ "Fn::GetAtt": [id, "Arn"] })));

    // No wildcard anywhere: neither an action nor a resource.
    for (const st of statements) {
      for (const action of asList(st.Action)) expect(action).not.toContain("*");
      for (const resource of asList(st.Resource)) expect(JSON.stringify(resource)).not.toContain("*");
    }
  });

  it("gives the role no managed or inline policies beside those statements, and both functions use it", () => {
    s.template.resourceCountIs("AWS::IAM::Role", 1);
    s.template.resourceCountIs("AWS::IAM::Policy", 1);
    const [role] = Object.entries(s.template.findResources("AWS::IAM::Role"));
    const properties = role![1].Properties as Record<string, unknown>;
    expect(properties.ManagedPolicyArns).toBeUndefined();
    expect(properties.Policies).toBeUndefined();
    expect(properties.AssumeRolePolicyDocument).toEqual({
      Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } }],
      Version: "2012-10-17",
    });
    s.template.hasResourceProperties("AWS::IAM::Policy", { Roles: [{ Ref: role![0] }] });
    const functions = Object.values(s.template.findResources("AWS::Lambda::Function"));
    expect(functions).toHaveLength(2);
    for (const fn of functions) expect(fn.Properties.Role).toEqual({ "Fn::GetAtt": [role![0], "Arn"] });
  });

  it("runs the HTTP handler on Node 22, arm64, 512 MB, 15 s, logging to its log group", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      MemorySize: 512,
      Timeout: 15,
      LoggingConfig: { LogGroup: s.ref(s.stack.handler.logGroup.logGroupName) },
    });
  });

  it("runs the sweep handler with the same code, runtime and environment", () => {
    const [http, sweep] = [s.stack.handler, s.stack.sweeper].map(
      (fn) => s.template.toJSON().Resources[s.logicalId(fn)].Properties as Record<string, unknown>,
    );
    expect(sweep!.Handler).toBe("index.scheduled");
    for (const field of ["Runtime", "Architectures", "MemorySize", "Code", "Environment", "Role"]) {
      expect(sweep![field]).toEqual(http![field]);
    }
    expect(sweep!.LoggingConfig).toEqual({ LogGroup: s.ref(s.stack.sweeper.logGroup.logGroupName) });
  });

  it("keeps the logs 30 days by default", () => {
    s.template.resourceCountIs("AWS::Logs::LogGroup", 2);
    s.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("exposes the HTTP handler at a Function URL without IAM auth, buffered", () => {
    s.template.resourceCountIs("AWS::Lambda::Url", 1);
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      InvokeMode: "BUFFERED",
      TargetFunctionArn: s.ref(s.stack.handler.functionArn),
    });
  });

  it("runs the sweep every 5 minutes from an EventBridge rule", () => {
    s.template.resourceCountIs("AWS::Events::Rule", 1);
    s.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: s.ref(s.stack.sweeper.functionArn) })],
    });
    s.template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      Principal: "events.amazonaws.com",
      FunctionName: s.ref(s.stack.sweeper.functionArn),
    });
  });

  it("sets the environment: table, key ARN, and the CA certificate and secrets from parameters", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Handler: "index.handler",
      Environment: {
        Variables: {
          STORE_TABLE: { Ref: s.logicalId(s.stack.table) },
          CA_KMS_KEY_ID: { "Fn::GetAtt": [s.logicalId(s.stack.key), "Arn"] },
          CA_CERT: { Ref: "CaCert" },
          PUBLIC_BASE_URL: { Ref: "PublicBaseUrl" },
          CMP_SECRETS: { Ref: "CmpSecrets" },
          ADMIN_TOKEN: { Ref: "AdminToken" },
          ADMIN_TOKENS: { Ref: "AdminTokens" },
          ENROLLMENT_CODE_KEY: { Ref: "EnrollmentCodeKey" },
        },
      },
    });
    // No configJson: the variable is absent, so the runtime uses its built-in defaults.
    const variables = s.template.toJSON().Resources[s.logicalId(s.stack.handler)].Properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(
      ["ADMIN_TOKEN", "ADMIN_TOKENS", "CA_CERT", "CA_KMS_KEY_ID", "CMP_SECRETS", "ENROLLMENT_CODE_KEY", "PUBLIC_BASE_URL", "STORE_TABLE"],
    );
  });

  it("takes the certificate as a plain parameter and the secrets as NoEcho parameters, all empty by default", () => {
    s.template.hasParameter("CaCert", { Type: "String", Default: "", NoEcho: Match.absent() });
    for (const name of ["CmpSecrets", "AdminToken", "AdminTokens", "EnrollmentCodeKey"]) {
      s.template.hasParameter(name, { Type: "String", Default: "", NoEcho: true });
    }
  });

  it("outputs the Function URL, the key ARN and the table name", () => {
    s.template.hasOutput("FunctionUrl", { Value: { "Fn::GetAtt": [s.logicalId(s.stack.url), "FunctionUrl"] } });
    s.template.hasOutput("KeyArn", { Value: { "Fn::GetAtt": [s.logicalId(s.stack.key), "Arn"] } });
    s.template.hasOutput("TableName", { Value: { Ref: s.logicalId(s.stack.table) } });
  });

  it("needs no context lookups, so synthesis runs offline", () => {
    expect(s.app.synth().manifest.missing).toBeUndefined();
  });
});

describe("JellyfishStack, RSA_3072 with a configuration", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ keySpec: "RSA_3072", logRetentionDays: 90, configJson: '{\n  "profiles": { "devices": {} }\n}\n' });
  });

  it("makes an RSA_3072 SIGN_VERIFY key, still retained", () => {
    s.template.hasResource("AWS::KMS::Key", {
      Properties: { KeySpec: "RSA_3072", KeyUsage: "SIGN_VERIFY" },
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("keeps the logs for the given number of days", () => {
    s.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 90 });
  });

  it("passes the configuration compacted as JELLYFISH_CONFIG to both functions", () => {
    const functions = Object.values(s.template.findResources("AWS::Lambda::Function"));
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.JELLYFISH_CONFIG).toBe('{"profiles":{"devices":{}}}');
    }
  });
});

describe("the handlers the stack names", () => {
  it("are functions exported by the Lambda entry the bundle is built from", async () => {
    // The bundle is src/runtime/lambda.ts as index.mjs, so "index.x" must be its export x.
    // Importing it outside Lambda (no AWS_LAMBDA_FUNCTION_NAME) builds nothing; in Lambda it builds at init.
    const entry = (await import("../../src/runtime/lambda.js")) as Record<string, unknown>;
    for (const handler of [HTTP_HANDLER, SWEEP_HANDLER]) {
      const [file, name] = handler.split(".");
      expect(file).toBe("index");
      expect(typeof entry[name!], handler).toBe("function");
    }
  });
});

describe("JellyfishStack parameters", () => {
  // These fail in the constructor, before any synthesis.
  const build = (props: Omit<JellyfishStackProps, "code">) => () => new JellyfishStack(new App(), "J", { ...props, code: STAND_IN });

  it("refuses an unknown key spec", () => {
    expect(build({ keySpec: "ECC_SECG_P256K1" as never })).toThrow(/keySpec must be one of ECC_NIST_P256, ECC_NIST_P384, RSA_2048, RSA_3072, RSA_4096/);
  });

  it("refuses a retention CloudWatch does not offer", () => {
    expect(build({ logRetentionDays: 31 })).toThrow(/logRetentionDays must be one of 1, 3, 5, 7, 14, 30,/);
  });

  it("refuses a configuration that is not a JSON object", () => {
    expect(build({ configJson: "{profiles: {}}" })).toThrow(/configJson is not valid JSON/);
    expect(build({ configJson: "[]" })).toThrow(/configJson must be a JSON object/);
  });

  it("refuses a configuration that cannot fit in Lambda's 4 KB environment", () => {
    const big = JSON.stringify({ profiles: { p: { note: "x".repeat(4100) } } });
    expect(build({ configJson: big })).toThrow(/exceeds Lambda's 4 KB environment limit/);
  });
});

describe("propsFromContext", () => {
  const from = (context: Record<string, unknown>) => propsFromContext((key) => context[key]);

  it("reads command-line context, where every value is text", () => {
    expect(from({ keySpec: "RSA_4096", logRetentionDays: "365", configJson: '{"profiles":{}}' })).toEqual({
      keySpec: "RSA_4096",
      logRetentionDays: 365,
      configJson: '{"profiles":{}}',
    });
  });

  it("leaves absent values to the stack's defaults", () => {
    expect(from({})).toEqual({});
  });

  it("takes configJson as an object too, as cdk.json context may hold it", () => {
    expect(from({ logRetentionDays: 7, configJson: { profiles: { a: {} } } })).toEqual({
      logRetentionDays: 7,
      configJson: '{"profiles":{"a":{}}}',
    });
  });

  it("refuses what it cannot read", () => {
    expect(() => from({ keySpec: "P256" })).toThrow(/keySpec must be one of/);
    expect(() => from({ logRetentionDays: "30d" })).toThrow(/whole number of days, not "30d"/);
    expect(() => from({ configJson: 42 })).toThrow(/configJson must be JSON text or an object/);
  });
});

describe("contextFromArgs", () => {
  it("reads -c, --context and --context= as the CDK CLI spells them; a value may contain '='", () => {
    expect(contextFromArgs(["-c", "keySpec=RSA_2048", "--context", "logRetentionDays=14", '--context=configJson={"a":"b=c"}'])).toEqual({
      keySpec: "RSA_2048",
      logRetentionDays: "14",
      configJson: '{"a":"b=c"}',
    });
    expect(contextFromArgs([])).toEqual({});
  });

  it("refuses anything else instead of synthesizing the defaults", () => {
    expect(() => contextFromArgs(["keySpec=RSA_2048"])).toThrow(/unexpected argument "keySpec=RSA_2048"/);
    expect(() => contextFromArgs(["-c"])).toThrow(/give context as -c key=value/);
    expect(() => contextFromArgs(["-c", "=x"])).toThrow(/give context as -c key=value/);
  });
});
