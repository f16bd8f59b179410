import type { EntityWithCode, NewEntity } from "../api_types.js";
import { printable } from "../tables.js";
import { enrollmentCodeNotice, entityRecord, entityTable } from "../views.js";
import { jsonText, type CommandHandler, type CommandContext } from "./context.js";

/** `jellyfish entity add|list|show|rm|reset`. */

export const entityAdd: CommandHandler = async (context, { args, options }) => {
  const entity: NewEntity = { username: args[0]!, subject: options.subject!, profiles: options.profiles! };
  if (options.san !== undefined) entity.subjectAltNames = options.san;
  if (options.code !== undefined) entity.enrollmentCode = options.code;
  showWithCode(context, await context.client.createEntity(entity), "Created");
};

export const entityList: CommandHandler = async (context, { options }) => {
  const answer = await context.client.listEntities({ profile: options.profile, status: options.status });
  if (context.json) return context.stdout(jsonText(answer));
  if (answer.entities.length === 0) return context.stderr("No entities match.\n");
  context.stdout(entityTable(answer.entities));
};

export const entityShow: CommandHandler = async (context, { args }) => {
  const answer = await context.client.getEntity(args[0]!);
  context.stdout(context.json ? jsonText(answer) : entityRecord(answer.entity));
};

export const entityRemove: CommandHandler = async (context, { args }) => {
  await context.client.deleteEntity(args[0]!);
  // The API answers 204 with no body, so --json has nothing to print.
  if (!context.json) context.stdout(`Deleted entity ${printable(args[0]!)}; its certificates stay recorded.\n`);
};

export const entityUpdate: CommandHandler = async (context, { args, options }) => {
  const answer = await context.client.setEntityProfiles(args[0]!, options.profiles!);
  context.stdout(context.json ? jsonText(answer) : `Updated entity ${printable(answer.entity.username)}.\n\n${entityRecord(answer.entity)}`);
};

export const entityReset: CommandHandler = async (context, { args, options }) => {
  showWithCode(context, await context.client.resetEntity(args[0]!, options.code), "Reset");
};

function showWithCode(context: CommandContext, answer: EntityWithCode, verb: string): void {
  if (context.json) return context.stdout(jsonText(answer));
  const name = answer.entity.username;
  context.stdout(
    `${verb} entity ${printable(name)}.\n\n${entityRecord(answer.entity)}\n${enrollmentCodeNotice(name, answer.enrollmentCode)}`,
  );
}
