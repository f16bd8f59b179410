import type { Hono } from "hono";
import { expect } from "vitest";
import { operatorDirectory, type OperatorDirectory } from "../../src/http/operators.js";

/** The bearer token the admin API tests configure. */
export const TOKEN = "admin-token-0123456789abcdef";
export const AUTH = { authorization: `Bearer ${TOKEN}` };
/** TOKEN as the administrator "admin" (ADMIN_TOKEN), plus a read-only and an approver operator (ADMIN_TOKENS). */
export const READER_TOKEN = "reader-token-0123456789abcdef";
export const APPROVER_TOKEN = "approver-token-0123456789abcdef";
export const OPERATORS: OperatorDirectory = (await operatorDirectory({
  ADMIN_TOKEN: TOKEN,
  ADMIN_TOKENS: JSON.stringify({ rita: { role: "read-only", token: READER_TOKEN }, paul: { role: "approver", token: APPROVER_TOKEN } }),
}))!;
export const JSON_TYPE = { "content-type": "application/json" };

export type AdminCall = (method: string, path: string, options?: { body?: unknown; raw?: string; headers?: Record<string, string> }) => Promise<Response>;

/**
 * Requests to the admin API of the app `app()` returns (tests make a new
 * one per test), with the token and, for a body, the JSON content type;
 * `headers` overrides either.
 */
export function adminCalls(app: () => Hono): { call: AdminCall } {
  const call: AdminCall = (method, path, options = {}) => {
    const hasBody = options.body !== undefined || options.raw !== undefined;
    return Promise.resolve(
      app().request(`http://localhost${path}`, {
        method,
        headers: { ...AUTH, ...(hasBody ? JSON_TYPE : {}), ...options.headers },
        body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
      }),
    );
  };
  return { call };
}

export async function json(response: Response): Promise<Record<string, any>> {
  expect(response.headers.get("content-type")).toMatch(/^application\/json\b/);
  return (await response.json()) as Record<string, any>;
}

export async function expectOk(response: Response): Promise<Record<string, any>> {
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

/** A JSON error answer with `status` and nothing but `error`, whose reason contains (or matches) `reason`; the reason. */
export async function expectError(response: Response, status: number, reason: RegExp | string): Promise<string> {
  expect(response.status).toBe(status);
  const body = await json(response);
  expect(Object.keys(body)).toEqual(["error"]);
  if (typeof reason === "string") expect(body.error).toContain(reason);
  else expect(body.error).toMatch(reason);
  return body.error as string;
}
