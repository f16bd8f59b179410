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
