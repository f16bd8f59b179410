import type { JellyfishConfig } from "./profile.js";

/**
 * Where configuration comes from: the JELLYFISH_CONFIG variable (JSON; empty
 * means the embedded development defaults) and secret bindings.
 * (Being written by the lead; this signature is fixed.)
 */
export interface ConfigSource {
  /** JSON text of profiles and limits; empty or absent: embedded defaults. */
  JELLYFISH_CONFIG?: string;
  /** JSON object of MAC secrets by sender reference, e.g. {"dev":"s3cret"} (a secret binding). */
  CMP_SECRETS?: string;
}

export function loadConfig(source: ConfigSource): JellyfishConfig {
  void source;
  throw new Error("config loader not implemented yet");
}
