import type { Context } from "hono";
import type { AdminDeps } from "../admin.js";
import type { Flash } from "./flash.js";
import type { Session } from "./session.js";

/** What the console needs: the admin API's dependencies (its operators included). */
export interface ConsoleDeps extends AdminDeps {
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
