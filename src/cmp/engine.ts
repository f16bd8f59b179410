import type { Profile } from "../config/profile.js";
import type { CmpAnswer, EngineContext } from "./engine_types.js";

/**
 * The protocol engine's one entry: request bytes in, response bytes out.
 * (Being written by the lead; this signature is fixed.)
 */
export async function handleCmp(request: Uint8Array, profile: Profile, ctx: EngineContext): Promise<CmpAnswer> {
  void request; void profile; void ctx;
  throw new Error("engine not implemented yet");
}
