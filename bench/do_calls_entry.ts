import worker, { StoreObject as Plain } from "../src/runtime/cloudflare.js";

/**
 * The Worker entry of bench/do_calls.ts: Jellyfish as deployed, with a
 * StoreObject that counts the calls it receives from the Worker, so that the
 * benchmark counts real Durable Object calls per enrollment in workerd
 * instead of inferring them (src/store is left as it is).
 *
 * Counted generically: every method of the real class (a batch method added
 * later too) is wrapped on the subclass's prototype. A call made by the
 * object to itself (purgeExpired, sql) runs inside an outer one and is not
 * counted; the methods run their SQL synchronously, so nesting depth tells.
 */
let calls = 0;
let depth = 0;

export class StoreObject extends Plain {
  /** The calls counted so far; itself not counted (it is not a method of the real class). */
  benchCalls(): number {
    return calls;
  }
}

const real = Plain.prototype as unknown as Record<string, unknown>;
for (const name of Object.getOwnPropertyNames(Plain.prototype)) {
  const method = real[name];
  if (name === "constructor" || typeof method !== "function") continue;
  Object.defineProperty(StoreObject.prototype, name, {
    configurable: true,
    writable: true,
    value(this: Plain, ...args: unknown[]): unknown {
      if (depth === 0) calls++;
      depth++;
      try {
        return (method as (...args: unknown[]) => unknown).apply(this, args);
      } finally {
        depth--;
      }
    },
  });
}

/** GET /__bench/do-calls reads the count; everything else is Jellyfish. */
export default {
  ...worker,
  async fetch(request: Request, env: Parameters<typeof worker.fetch>[1]): Promise<Response> {
    if (new URL(request.url).pathname !== "/__bench/do-calls") return worker.fetch(request, env);
    const stub = env.STORE_DO.get(env.STORE_DO.idFromName("jellyfish")) as unknown as { benchCalls(): Promise<number> };
    return Response.json({ calls: await stub.benchCalls() });
  },
};
