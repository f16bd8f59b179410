import { printable } from "../tables.js";
import { requestRecord, requestTable } from "../views.js";
import { jsonText, type CommandHandler } from "./context.js";

/** `jellyfish request list|show|approve|reject`. */

export const requestList: CommandHandler = async (context, { options }) => {
  const answer = await context.client.listRequests(options.status);
  if (context.json) return context.stdout(jsonText(answer));
  if (answer.requests.length === 0) {
    return context.stderr(options.status === "all" ? "No requests.\n" : `No ${printable(options.status!)} requests.\n`);
  }
  context.stdout(requestTable(answer.requests));
};

export const requestShow: CommandHandler = async (context, { args }) => {
  const answer = await context.client.getRequest(args[0]!);
  context.stdout(context.json ? jsonText(answer) : requestRecord(answer.request));
};

export const requestApprove: CommandHandler = async (context, { args, options }) => {
  const answer = await context.client.decideRequest(args[0]!, "approve", options.decisionReason);
  if (context.json) return context.stdout(jsonText(answer));
  context.stdout(
    `Approved request ${printable(args[0]!)}; the certificate is issued at the client's next poll.\n\n${requestRecord(answer.request)}`,
  );
};

export const requestReject: CommandHandler = async (context, { args, options }) => {
  const answer = await context.client.decideRequest(args[0]!, "reject", options.decisionReason);
  if (context.json) return context.stdout(jsonText(answer));
  context.stdout(`Rejected request ${printable(args[0]!)}; the client's next poll gets the rejection.\n\n${requestRecord(answer.request)}`);
};
