import { printable } from "../tables.js";
import { jsonText, type CommandHandler } from "./context.js";

/** `jellyfish operator whoami`: which operator a token is, before it is used for a change. */
export const operatorWhoami: CommandHandler = async (context) => {
  const answer = await context.client.whoami();
  if (context.json) return context.stdout(jsonText(answer));
  context.stdout(`${printable(answer.operator.name)} (${printable(answer.operator.role)})\n`);
};
