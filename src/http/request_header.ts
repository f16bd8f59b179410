import type { Context } from "hono";

/**
 * A runtime's own way to a request header, as Headers.get gives it (the
 * fields of that name joined with ", "), without the fetch Headers object
 * that c.req.header builds on @hono/node-server: that object is made from
 * the raw header list with WebIDL checks on first use, about 8 µs of a
 * no-engine request's 80 µs there (bench/http_overhead.ts). Undefined
 * leaves it to c.req.header, which is also right for an absent header.
 */
export type HeaderReader = (c: Context, name: string) => string | undefined;

export function requestHeader(c: Context, name: string, reader?: HeaderReader): string | undefined {
  return reader?.(c, name) ?? c.req.header(name);
}
