import { adminActions, type AdminActions } from "../admin_actions.js";
import type { ConsoleContext, ConsoleDeps } from "./env.js";

/** The admin actions of the operator whose session this is: the one place a change is permitted, made, recorded and logged. */
export function actionsOf(c: ConsoleContext, deps: ConsoleDeps): AdminActions {
  const { name, role } = c.get("session").operator;
  return adminActions(deps, { name, role });
}
