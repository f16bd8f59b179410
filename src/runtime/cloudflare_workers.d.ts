// The "cloudflare:workers" module, declared for the few files that need it.
// @cloudflare/workers-types declares it only in its global flavour, which would
// replace Node's globals project-wide; the project keeps types ["node"] and
// imports Workers types as modules instead (see src/store/durable_object.ts).
// Only what the project uses is declared; extend it when you need more.
declare module "cloudflare:workers" {
  import type { DurableObjectState } from "@cloudflare/workers-types";

  /** Base class of a Durable Object whose public methods are callable over RPC. */
  export abstract class DurableObject<Env = unknown> {
    // The brand that @cloudflare/workers-types' Rpc.DurableObjectBranded
    // checks, so that DurableObjectNamespace<T> gives typed RPC stubs.
    __DURABLE_OBJECT_BRAND: never;
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }

  /** The bindings of the running Worker (used by tests that run inside workerd). */
  export const env: Record<string, unknown>;
}
