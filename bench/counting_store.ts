import type { Store } from "../src/store/store.js";

/**
 * A Store that counts every method call it forwards, by method name.
 *
 * Why it stands for Durable Object calls: DurableObjectStore
 * (src/store/durable_object.ts) turns each Store method into exactly one RPC
 * to its StoreObject (`this.call` once per method, no cache, no retry), and
 * on Workers the engine gets that store as it is (src/runtime/cloudflare.ts,
 * compose.ts wrap nothing around it). So the Store calls the engine makes
 * per message are the Durable Object calls it costs in production, and can
 * be counted in-process around MemoryStore, per message kind. (bench/do_calls.ts
 * counts the same calls inside workerd, per enrollment, as a check.)
 *
 * Generic on purpose: a Proxy counts whatever function property is called,
 * so a method added to Store later (a batch call, say) is counted without a
 * change here. Methods run with the inner store as `this`, so a method that
 * calls another of its own (or a private helper) counts once, as the one
 * RPC it would be.
 */
export interface StoreCallCounter {
  readonly store: Store;
  /** Calls so far, in total and by method name. */
  total(): number;
  byMethod(): Record<string, number>;
}

export function countingStore(inner: Store): StoreCallCounter {
  const counts = new Map<string, number>();
  let total = 0;
  const wrappers = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  const store = new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function" || property === "constructor") return value;
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const name = String(property);
        wrapper = (...args: unknown[]) => {
          total++;
          counts.set(name, (counts.get(name) ?? 0) + 1);
          return (Reflect.get(target, property, target) as (...args: unknown[]) => unknown).apply(target, args);
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
  return { store, total: () => total, byMethod: () => Object.fromEntries(counts) };
}

/** The calls made between two readings of byMethod(), per method. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const [method, count] of Object.entries(after)) {
    const made = count - (before[method] ?? 0);
    if (made > 0) difference[method] = made;
  }
  return difference;
}
