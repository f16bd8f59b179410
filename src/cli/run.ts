import { readFile } from "node:fs/promises";
import { version } from "../../package.json";
import { AdminApiError, AdminClient, UnreachableError } from "./admin_client.js";
import { parseCommandLine, UsageError, type Environment, type Invocation } from "./args.js";
import type { CommandName, OfflineCommandName } from "./command_specs.js";
import { caChain } from "./commands/ca.js";
import { operatorWhoami } from "./commands/operator.js";
import { raGateway } from "./commands/ra_gateway.js";
import { caInit } from "./commands/ca_init.js";
import { certList, certRevoke, certShow, certUnhold } from "./commands/cert.js";
import { crlRegenerate, crlShow } from "./commands/crl.js";
import { CommandFailed, type CommandHandler, type OfflineHandler } from "./commands/context.js";
import { entityAdd, entityList, entityRemove, entityReset, entityShow, entityUpdate } from "./commands/entity.js";
import { requestApprove, requestList, requestReject, requestShow } from "./commands/request.js";
import { fetchTrusting } from "./https_fetch.js";
import { printable } from "./tables.js";

/**
 * One run of `jellyfish`: parse, call the API, print, and decide the exit
 * status. Everything it touches comes in as arguments, so tests can drive it
 * without a process; main.ts binds it to the real one.
 */

export const EXIT_OK = 0;
/** The server answered and refused; for an offline command, it failed. */
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
/** No answer from the server at all (for `ca init`: from KMS). */
export const EXIT_UNREACHABLE = 3;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const HANDLERS: Record<Exclude<CommandName, OfflineCommandName>, CommandHandler> = {
  "entity add": entityAdd,
  "entity list": entityList,
  "entity show": entityShow,
  "entity rm": entityRemove,
  "entity reset": entityReset,
  "entity update": entityUpdate,
  "cert list": certList,
  "cert show": certShow,
  "cert revoke": certRevoke,
  "cert unhold": certUnhold,
  "request list": requestList,
  "request show": requestShow,
  "request approve": requestApprove,
  "request reject": requestReject,
  "ca chain": caChain,
  "operator whoami": operatorWhoami,
  "crl show": crlShow,
  "crl regenerate": crlRegenerate,
};

/** The commands with `offline: true` in their spec. */
export const OFFLINE_HANDLERS: Record<OfflineCommandName, OfflineHandler> = {
  "ca init": caInit,
  "ra gateway": raGateway,
};

export async function run(argv: readonly string[], env: Environment, io: Io): Promise<number> {
  let commandLine;
  try {
    commandLine = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${printable(error.message)}\n\n${error.usage}`);
    return EXIT_USAGE;
  }
  if (commandLine.kind === "help") {
    io.stdout(commandLine.text);
    return EXIT_OK;
  }
  if (commandLine.kind === "version") {
    io.stdout(`jellyfish ${version}\n`);
    return EXIT_OK;
  }

  if (commandLine.kind === "offline") return runOffline(commandLine.invocation, io);

  const { invocation, url, token, json, cacert } = commandLine;
  let fetch: typeof globalThis.fetch | undefined;
  if (cacert !== undefined) {
    try {
      fetch = fetchTrusting(await readFile(cacert, "utf8"));
    } catch (error) {
      io.stderr(`error: cannot read --cacert ${printable(cacert)}: ${printable((error as Error).message)}\n`);
      return EXIT_USAGE;
    }
  }
  const client = new AdminClient({ baseUrl: url, token, fetch });
  try {
    await HANDLERS[invocation.spec.name as Exclude<CommandName, OfflineCommandName>]({ client, json, stdout: io.stdout, stderr: io.stderr }, invocation);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof AdminApiError) {
      io.stderr(`error: ${printable(error.reason)} (HTTP ${error.status})\n`);
      return EXIT_REFUSED;
    }
    if (error instanceof UnreachableError) {
      io.stderr(`error: cannot reach the admin API at ${error.url}: ${printable(error.reason)}\n`);
      return EXIT_UNREACHABLE;
    }
    throw error;
  }
}

async function runOffline(invocation: Invocation, io: Io): Promise<number> {
  try {
    await OFFLINE_HANDLERS[invocation.spec.name as OfflineCommandName]({ now: () => new Date(), ...io }, invocation);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof CommandFailed)) throw error;
    io.stderr(`error: ${printable(error.message)}\n`);
    return error.unreachable ? EXIT_UNREACHABLE : EXIT_REFUSED;
  }
}
