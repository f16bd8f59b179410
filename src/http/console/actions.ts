import { adminActions, type AdminActions } from "./actions_shim.js";
import type { ConsoleContext, ConsoleDeps } from "./env.js";

/** The admin actions of the operator whose session this is: the one place a change is permitted, made and logged. */
export function actionsOf(c: ConsoleContext, deps: ConsoleDeps): AdminActions {
  const { name, role } = c.get("session").operator;
  return adminActions({ registry: deps.registry, crl: deps.crl, log: deps.log }, { name, role });
}
