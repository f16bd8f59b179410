import {
  COMMANDS,
  commandsOf,
  EXIT_STATUS_HELP,
  GLOBAL_OPTION_HELP,
  globalOptionHelpOf,
  OFFLINE_EXIT_STATUS_HELP,
  type CommandSpec,
  type OptionHelp,
} from "./command_specs.js";
import { formatRecord } from "./tables.js";

/**
 * Help and usage texts, made from command_specs.ts. Two sizes: `help*` for
 * --help (stdout, everything), `usage*` for a usage error (stderr, only the
 * synopsis lines and where to read more).
 */

function optionLines(options: readonly OptionHelp[]): string {
  return formatRecord(options).split("\n").map((line) => (line === "" ? "" : `  ${line}`)).join("\n");
}

function commandLines(commands: readonly CommandSpec[]): string {
  return commands.map((c) => `  jellyfish ${c.synopsis}\n      ${c.summary}\n`).join("");
}

/** `jellyfish --help`. */
export function helpOverall(): string {
  return [
    "jellyfish: the operator's client of the Jellyfish admin API (docs/admin-api.md),\nand the maker of the CA certificate (ca init, which runs here alone)\n",
    "Usage: jellyfish <command> [arguments] [options]\n",
    `Commands:\n${commandLines(COMMANDS)}`,
    `Global options:\n${optionLines(GLOBAL_OPTION_HELP)}`,
    `${EXIT_STATUS_HELP}\nRun "jellyfish <command> --help" for a command's options.\n`,
  ].join("\n");
}

/** `jellyfish entity --help`. */
export function helpGroup(group: string): string {
  return [`Usage:\n${commandLines(commandsOf(group))}`, `Global options:\n${optionLines(GLOBAL_OPTION_HELP)}`].join("\n");
}

/** `jellyfish entity add --help`. */
export function helpCommand(spec: CommandSpec): string {
  const parts = [`Usage: jellyfish ${spec.synopsis}\n\n${capitalise(spec.summary)}.\n`];
  if (spec.optionHelp.length > 0) parts.push(`Options:\n${optionLines(spec.optionHelp)}`);
  if (spec.notes) parts.push(spec.notes.join("\n") + "\n");
  const exitStatus = spec.offline ? OFFLINE_EXIT_STATUS_HELP : EXIT_STATUS_HELP;
  parts.push(`Global options:\n${optionLines(globalOptionHelpOf(spec))}`, `${exitStatus}\n`);
  return parts.join("\n");
}

export function usageOverall(): string {
  return `Usage:\n${COMMANDS.map((c) => `  jellyfish ${c.synopsis}\n`).join("")}Run "jellyfish --help" for details.\n`;
}

export function usageGroup(group: string): string {
  return `Usage:\n${commandsOf(group).map((c) => `  jellyfish ${c.synopsis}\n`).join("")}Run "jellyfish ${group} --help" for details.\n`;
}

export function usageCommand(spec: CommandSpec): string {
  return `Usage: jellyfish ${spec.synopsis}\nRun "jellyfish ${spec.name} --help" for details.\n`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
