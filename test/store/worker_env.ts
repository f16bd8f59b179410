import { env } from "cloudflare:workers";
import type { DurableObjectNamespace, KVNamespace } from "@cloudflare/workers-types";
import type { StoreObject } from "../../src/store/durable_object.js";

/** The bindings declared in test/store/wrangler.test.toml. */
export const testEnv = env as unknown as {
  STORE_DO: DurableObjectNamespace<StoreObject>;
  STORE_KV: KVNamespace;
};
