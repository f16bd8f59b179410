import { DistinguishedNameError, isEmptyName, parseDistinguishedName } from "../ca/distinguished_name.js";
import { DEFAULT_INTERMEDIATE_DAYS, DEFAULT_ROOT_DAYS, type CommandSpec } from "./command_specs.js";
import { usageCommand } from "./usage.js";
import { UsageError } from "./usage_error.js";

/**
 * The options of `jellyfish ca init`, checked together: one key source, one
 * thing to make, and only the options that go with them. Every mistake is a
 * usage error found before a file is read or KMS is called.
 */

export type CaKeySource =
  | { kind: "file"; path: string }
  | { kind: "kms"; keyId: string; region: string; endpoint?: string };

export type CaInitMode =
  | { kind: "self-signed"; out: string; days: number }
  | { kind: "csr"; out: string }
  | { kind: "issuer"; issuerCert: string; issuerKey: string; out: string; days: number };

export interface CaInitOptions {
  key: CaKeySource;
  mode: CaInitMode;
  /** As given; it parses (checked here). */
  subject: string;
  force: boolean;
}

/** The values parseArgs read that `ca init` uses. */
export interface CaInitValues {
  key?: string;
  "kms-key-id"?: string;
  region?: string;
  "kms-endpoint"?: string;
  "self-signed"?: boolean;
  csr?: string;
  "issuer-cert"?: string;
  "issuer-key"?: string;
  subject?: string;
  days?: string;
  out?: string;
  force?: boolean;
}

const MAX_DAYS = 36500;

export function caInitOptions(values: CaInitValues, env: Readonly<Record<string, string | undefined>>, spec: CommandSpec): CaInitOptions {
  const fail = (message: string): never => {
    throw new UsageError(message, usageCommand(spec));
  };
  const key = keySource(values, env, fail);
  const mode = makeMode(values, fail);
  return { key, mode, subject: checkSubject(values.subject ?? "", fail), force: values.force === true };
}

function keySource(values: CaInitValues, env: Readonly<Record<string, string | undefined>>, fail: (message: string) => never): CaKeySource {
  const keyId = values["kms-key-id"];
  if (values.key !== undefined && keyId !== undefined) fail("--key and --kms-key-id: choose one CA key");
  if (keyId === undefined) {
    if (values.region !== undefined) fail("--region goes with --kms-key-id");
    if (values["kms-endpoint"] !== undefined) fail("--kms-endpoint goes with --kms-key-id");
    if (values.key === undefined) fail("no CA key: give --key <file> or --kms-key-id <id>");
    return { kind: "file", path: values.key! };
  }
  // A key ARN names its region (arn:aws:kms:<region>:<account>:key/<id>); KMS refuses it anywhere else.
  const arnRegion = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
  if (values.region !== undefined && arnRegion !== undefined && values.region !== arnRegion) {
    fail(`--region ${values.region} is not the key ARN's region ${arnRegion}`);
  }
  const region = values.region ?? arnRegion ?? nonEmpty(env.AWS_REGION);
  if (region === undefined) fail("no region for the KMS key: pass --region or set AWS_REGION");
  const endpoint = values["kms-endpoint"];
  if (endpoint !== undefined && !/^https?:\/\/[^/?#]+/.test(endpoint)) fail(`--kms-endpoint must be an http:// or https:// URL, not "${endpoint}"`);
  return { kind: "kms", keyId, region: region!, endpoint };
}

function makeMode(values: CaInitValues, fail: (message: string) => never): CaInitMode {
  const issuer = values["issuer-cert"] !== undefined || values["issuer-key"] !== undefined;
  const chosen = [values["self-signed"] === true && "--self-signed", values.csr !== undefined && "--csr", issuer && "--issuer-cert"].filter(
    (flag): flag is string => flag !== false,
  );
  if (chosen.length === 0) fail("choose what to make: --self-signed, --csr <file>, or --issuer-cert <file> --issuer-key <file>");
  if (chosen.length > 1) fail(`${chosen.join(" and ")}: choose one`);

  if (values.csr !== undefined) {
    if (values.out !== undefined) fail("--out is for certificates; --csr <file> names the request's file");
    if (values.days !== undefined) fail("--days does not go with --csr: the root that signs the request sets the validity");
    return { kind: "csr", out: values.csr };
  }
  if (values.out === undefined) fail("missing --out");
  if (!issuer) return { kind: "self-signed", out: values.out!, days: days(values.days, DEFAULT_ROOT_DAYS, fail) };
  if (values["issuer-cert"] === undefined) fail("--issuer-key needs --issuer-cert <file>");
  if (values["issuer-key"] === undefined) fail("--issuer-cert needs --issuer-key <file>");
  return {
    kind: "issuer",
    issuerCert: values["issuer-cert"]!,
    issuerKey: values["issuer-key"]!,
    out: values.out!,
    days: days(values.days, DEFAULT_INTERMEDIATE_DAYS, fail),
  };
}

function days(text: string | undefined, fallback: number, fail: (message: string) => never): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DAYS) fail(`--days must be a whole number from 1 to ${MAX_DAYS}, not "${text}"`);
  return n;
}

function checkSubject(subject: string, fail: (message: string) => never): string {
  try {
    // RFC 5280 §4.1.2.6: a CA's subject MUST be a non-empty Name.
    if (isEmptyName(parseDistinguishedName(subject))) fail("--subject must not be empty: a CA needs a name");
  } catch (error) {
    if (error instanceof DistinguishedNameError) fail(`--subject: ${error.message}`);
    throw error;
  }
  return subject;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
