import type { AdminClient } from "../admin_client.js";
import type { Invocation } from "../args.js";

/** What every command gets: the client, the output mode and where to write. */
export interface CommandContext {
  client: AdminClient;
  /** --json: print the API's answer instead of tables. */
  json: boolean;
  /** Results, for pipes and files. */
  stdout(text: string): void;
  /** Remarks for the person at the terminal, kept out of redirected results. */
  stderr(text: string): void;
}

export type CommandHandler = (context: CommandContext, invocation: Invocation) => Promise<void>;

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** What a command that runs here alone gets (CommandSpec.offline): no client. */
export interface OfflineContext {
  now(): Date;
  stdout(text: string): void;
  stderr(text: string): void;
}

export type OfflineHandler = (context: OfflineContext, invocation: Invocation) => Promise<void>;

/**
 * An offline command could not do its work; `message` says why, for the
 * operator. `unreachable`: a service it needs (KMS) did not answer, and
 * trying again later may succeed.
 */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly unreachable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CommandFailed";
  }
}
