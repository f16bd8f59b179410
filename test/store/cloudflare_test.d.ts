// The part of "cloudflare:test" (@cloudflare/vitest-pool-workers) these tests
// use. Its own declarations need @cloudflare/workers-types' globals, which the
// project does not load (tsconfig types ["node"]).
declare module "cloudflare:test" {
  import type { DurableObjectState } from "@cloudflare/workers-types";

  /**
   * Runs callback inside the Durable Object that stub points to. The stub is
   * typed loosely: checking a typed DurableObjectStub<T> against the real
   * signature is too deep for the compiler.
   */
  export function runInDurableObject<R>(
    stub: unknown,
    callback: (instance: unknown, state: DurableObjectState) => R | Promise<R>,
  ): Promise<R>;
}
