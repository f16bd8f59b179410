import { parseArgs } from "node:util";
import {
  DEFAULT_CERT_LIMIT,
  DEFAULT_REQUEST_STATUS,
  DEFAULT_URL,
  findCommand,
  globalOptionsOf,
  GROUPS,
  OPTION_TYPES,
  type CommandSpec,
  type OptionName,
} from "./command_specs.js";
import { parseRevocationReason, REMOVE_FROM_CRL, REVOCATION_REASON_NAMES } from "./revocation_reasons.js";
import { caInitOptions, type CaInitOptions } from "./ca_init_args.js";
import { raGatewayOptions, type RaGatewayOptions } from "./ra_gateway_args.js";
import { helpCommand, helpGroup, helpOverall, usageCommand, usageGroup, usageOverall } from "./usage.js";
import { UsageError } from "./usage_error.js";

/**
 * Turns argv and the environment into what to do, or a UsageError that says
 * what is wrong and carries the usage to print with it. Nothing here talks to
 * the network, so every usage mistake is caught before the token is sent.
 */

export { UsageError };

/** The command's own options, checked and converted. */
export interface CommandOptions {
  subject?: string;
  san?: string[];
  /** `--profile` where one is taken (a filter). */
  profile?: string;
  /** `--profile` where several are (entity add, entity update), in the order given. */
  profiles?: string[];
  code?: string;
  status?: string;
  entity?: string;
  limit?: number;
  pem?: boolean;
  /** `cert revoke --reason` and `cert list --reason`: the CRLReason, converted from its name or number. */
  reason?: number;
  /** `cert list --revoked-since`: the time, as ISO 8601 in UTC. */
  revokedSince?: string;
  /** `request approve|reject --reason`: the text, as given. */
  decisionReason?: string;
  /** `ca init`: its options, checked together. */
  caInit?: CaInitOptions;
  /** `ra gateway`: its options, checked together. */
  raGateway?: RaGatewayOptions;
}

export interface Invocation {
  spec: CommandSpec;
  /** The positional arguments, in the order of `spec.args`. */
  args: string[];
  options: CommandOptions;
}

export type CommandLine =
  | { kind: "help"; text: string }
  | { kind: "version" }
  /** `cacert`: a PEM file of CA certificates to trust for an https URL (--cacert, JELLYFISH_CACERT). */
  | { kind: "run"; invocation: Invocation; url: string; token: string; json: boolean; cacert?: string }
  /** A command that runs here alone (CommandSpec.offline): no URL, no token. */
  | { kind: "offline"; invocation: Invocation };

export type Environment = Readonly<Record<string, string | undefined>>;

type Parsed = ReturnType<typeof parseAll>;

function parseAll(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTION_TYPES, allowPositionals: true, strict: true, tokens: true });
}

export function parseCommandLine(argv: readonly string[], env: Environment): CommandLine {
  let parsed: Parsed;
  try {
    parsed = parseAll(argv);
  } catch (error) {
    throw new UsageError(firstSentence(error), usageNear(argv));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help", text: helpFor(positionals) };
  if (values.version) return { kind: "version" };

  const spec = resolveCommand(positionals);
  checkOptions(parsed, spec);
  const args = positionals.slice(2);
  if (args.length < spec.args.length) {
    throw new UsageError(`missing <${spec.args[args.length]}>`, usageCommand(spec));
  }
  if (args.length > spec.args.length) {
    throw new UsageError(`unexpected argument "${args[spec.args.length]}"`, usageCommand(spec));
  }
  for (const [i, name] of spec.args.entries()) checkPathName(name, args[i]!, spec);

  const invocation = { spec, args, options: convertOptions(values, env, spec) };
  if (spec.offline) return { kind: "offline", invocation };
  return {
    kind: "run",
    invocation,
    url: baseUrl(values.url ?? nonEmpty(env.JELLYFISH_URL) ?? DEFAULT_URL, spec),
    token: adminToken(values.token ?? nonEmpty(env.JELLYFISH_ADMIN_TOKEN), spec),
    json: values.json === true,
    cacert: values.cacert ?? nonEmpty(env.JELLYFISH_CACERT),
  };
}

function helpFor(positionals: readonly string[]): string {
  const [group, verb] = positionals;
  if (group === undefined) return helpOverall();
  if (!GROUPS.includes(group)) throw new UsageError(`unknown command "${group}"`, usageOverall());
  if (verb === undefined) return helpGroup(group);
  const spec = findCommand(group, verb);
  if (!spec) throw new UsageError(`unknown command "${group} ${verb}"`, usageGroup(group));
  return helpCommand(spec);
}

function resolveCommand(positionals: readonly string[]): CommandSpec {
  const [group, verb] = positionals;
  if (group === undefined) throw new UsageError("no command given", usageOverall());
  if (!GROUPS.includes(group)) throw new UsageError(`unknown command "${group}"`, usageOverall());
  if (verb === undefined) throw new UsageError(`"${group}" needs a subcommand`, usageGroup(group));
  const spec = findCommand(group, verb);
  if (!spec) throw new UsageError(`unknown command "${group} ${verb}"`, usageGroup(group));
  return spec;
}

/** Options of other commands, repeated single-valued options, empty values and missing required ones. */
function checkOptions(parsed: Parsed, spec: CommandSpec): void {
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    const name = token.name as OptionName;
    if (!globalOptionsOf(spec).includes(name) && !spec.options.includes(name)) {
      throw new UsageError(`"${spec.name}" has no option ${token.rawName}`, usageCommand(spec));
    }
    if (seen.has(name) && !spec.repeatable?.includes(name)) throw new UsageError(`--${name} is given more than once`, usageCommand(spec));
    seen.add(name);
    if (OPTION_TYPES[name].type === "string" && token.value === "") throw new UsageError(`--${name} needs a value`, usageCommand(spec));
  }
  for (const name of spec.required) {
    if (!seen.has(name)) throw new UsageError(`missing --${name}`, usageCommand(spec));
  }
  if (parsed.values.json && parsed.values.pem) {
    throw new UsageError("--pem and --json do not go together: choose one output", usageCommand(spec));
  }
}

function convertOptions(values: Parsed["values"], env: Environment, spec: CommandSpec): CommandOptions {
  const options: CommandOptions = {
    subject: values.subject,
    san: values.san,
    profile: values.profile?.[0],
    profiles: values.profile,
    code: values.code,
    status: values.status,
    entity: values.entity,
    pem: values.pem,
  };
  if (spec.name === "request list") options.status = values.status ?? DEFAULT_REQUEST_STATUS;
  if (spec.name === "cert list") options.limit = values.limit === undefined ? DEFAULT_CERT_LIMIT : positiveInteger(values.limit, spec);
  if (values.reason !== undefined) {
    // One option, two meanings: a CRLReason (to revoke with, or to list by), or a decision's text.
    if (spec.name === "cert revoke" || spec.name === "cert list") options.reason = revocationReason(values.reason, spec);
    else options.decisionReason = values.reason;
  }
  if (values["revoked-since"] !== undefined) options.revokedSince = isoTime(values["revoked-since"], spec);
  if (spec.name === "ca init") options.caInit = caInitOptions(values, env, spec);
  if (spec.name === "ra gateway") options.raGateway = raGatewayOptions({ ...values, cacert: values.cacert ?? nonEmpty(env.JELLYFISH_CACERT) }, spec);
  return options;
}

function revocationReason(text: string, spec: CommandSpec): number {
  const reason = parseRevocationReason(text);
  if (reason === REMOVE_FROM_CRL) {
    // It lifts a hold rather than revoking, and no certificate keeps it.
    throw new UsageError(`--reason "${text}" (removeFromCRL) lifts a hold: use \`jellyfish cert unhold <serial>\``, usageCommand(spec));
  }
  if (reason === undefined) {
    throw new UsageError(`--reason "${text}" is neither 0-10 (except 7 and 8) nor one of ${REVOCATION_REASON_NAMES.join(", ")}`, usageCommand(spec));
  }
  return reason;
}

/** A date (2026-12-01, taken as UTC midnight) or a date and time with its zone; sent in UTC. */
function isoTime(text: string, spec: CommandSpec): string {
  const valid = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/i.test(text);
  const time = valid ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`--revoked-since "${text}" is not an ISO 8601 date or time with its zone, e.g. 2026-12-01 or 2026-12-01T08:00:00Z`, usageCommand(spec));
  }
  return new Date(time).toISOString();
}

function positiveInteger(text: string, spec: CommandSpec): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--limit must be a whole number from 1 up, not "${text}"`, usageCommand(spec));
  return n;
}

/**
 * A username, serial or request id goes into the URL path; "." and ".." would be
 * resolved away by URL parsing and reach another route, so they are refused
 * here rather than sent.
 */
function checkPathName(name: string, value: string, spec: CommandSpec): void {
  if (value === "" || value === "." || value === "..") {
    throw new UsageError(`<${name}> cannot be "${value}"`, usageCommand(spec));
  }
}

function baseUrl(text: string, spec: CommandSpec): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`the URL "${text}" is not an absolute URL, e.g. ${DEFAULT_URL}`, usageCommand(spec));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`the URL must start with http:// or https://, not "${text}"`, usageCommand(spec));
  }
  // Credentials in the URL would be printed in "cannot reach" messages, and
  // a query or fragment would end up in the middle of every request's URL.
  if (url.username !== "" || url.password !== "") {
    throw new UsageError("the URL must not contain a user name or password; the token goes in JELLYFISH_ADMIN_TOKEN", usageCommand(spec));
  }
  if (url.search !== "" || url.hash !== "") throw new UsageError("the URL must not have a query (?) or fragment (#)", usageCommand(spec));
  return url.href.replace(/\/+$/, "");
}

/**
 * The token must fit in an HTTP header. Checked here, because fetch's own
 * complaint about a bad header value quotes the value, that is the token.
 * The messages never include it.
 */
function adminToken(token: string | undefined, spec: CommandSpec): string {
  if (token === undefined) {
    throw new UsageError("no admin token: set JELLYFISH_ADMIN_TOKEN (or pass --token)", usageCommand(spec));
  }
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(token)) {
    throw new UsageError("the admin token has characters that cannot go in an HTTP header (spaces at either end, line breaks, non-ASCII)", usageCommand(spec));
  }
  return token;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Node's parseArgs messages go on with advice in a second sentence; the first one says it. */
function firstSentence(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split(/\.\s/)[0]!;
}

/** The usage of the command the words seem to name, for an argv that did not parse. */
function usageNear(argv: readonly string[]): string {
  const { positionals } = parseArgs({ args: [...argv], options: OPTION_TYPES, allowPositionals: true, strict: false });
  const [group, verb] = positionals;
  if (group === undefined || !GROUPS.includes(group)) return usageOverall();
  const spec = verb === undefined ? undefined : findCommand(group, verb);
  return spec ? usageCommand(spec) : usageGroup(group);
}
