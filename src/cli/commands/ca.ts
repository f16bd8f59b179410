import { jsonText, type CommandHandler } from "./context.js";

/** `jellyfish ca chain`. */

export const caChain: CommandHandler = async (context) => {
  const pem = await context.client.caChain();
  // The API answers PEM, not JSON; --json wraps it under the name `cert show` uses.
  if (context.json) return context.stdout(jsonText({ pem }));
  context.stdout(pem.endsWith("\n") ? pem : `${pem}\n`);
};
