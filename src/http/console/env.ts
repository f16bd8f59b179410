import type { Context } from "hono";
import type { RegistryContext } from "../../ca/registry.js";
import type { CrlContext } from "../../crl/crl_publisher.js";
import type { OperatorDirectory } from "../operators.js";
import type { Flash } from "./flash.js";
import type { Session } from "./session.js";

/** What the console needs: the admin API's dependencies without its single token, and the operators. */
export interface ConsoleDeps {
  registry: () => RegistryContext | Promise<RegistryContext>;
  chain: () => Uint8Array[] | Promise<Uint8Array[]>;
  crl?: () => CrlContext | Promise<CrlContext>;
  log: (line: object) => void;
  operators: OperatorDirectory;
  /** Milliseconds since the epoch, for session expiry; defaults to Date.now. */
  clock?: () => number;
  randomBytes?: (length: number) => Uint8Array;
}

/** What the guard (guard.ts) found out about a request before a page handler runs. */
export interface ConsoleEnv {
  Variables: {
    session: Session;
    /** The CSRF token every form of this session's pages carries. */
    csrf: string;
    /** A POST's form fields, read once by the guard. */
    form: URLSearchParams;
    flash: Flash | undefined;
  };
}

export type ConsoleContext = Context<ConsoleEnv>;

export const BASE = "/admin/console";
