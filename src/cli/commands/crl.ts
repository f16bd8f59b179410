import { crlRecord } from "../views.js";
import { jsonText, type CommandHandler } from "./context.js";

/** `jellyfish crl show|regenerate`. */

export const crlShow: CommandHandler = async (context) => {
  const answer = await context.client.getCrl();
  if (context.json) return context.stdout(jsonText(answer));
  context.stdout(crlRecord(answer.crl));
};

export const crlRegenerate: CommandHandler = async (context) => {
  const answer = await context.client.regenerateCrl();
  if (context.json) return context.stdout(jsonText(answer));
  const { crl } = answer;
  context.stdout(`Signed CRL number ${crl.number}, listing ${crl.entries} certificate${crl.entries === 1 ? "" : "s"}.\n\n${crlRecord(crl)}`);
};
