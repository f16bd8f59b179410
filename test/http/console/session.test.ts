import { describe, expect, it } from "vitest";
import { operatorDirectory } from "../../../src/http/operators.js";
import { csrfToken, issueSession, readSession, validCsrfToken, SESSION_SECONDS } from "../../../src/http/console/session.js";

// Console sessions: a cookie that proves an operator for eight hours, keyed
// with the operator's token digest, so a changed token ends it.

const NOW = Date.parse("2026-12-05T10:00:00Z");
const random = (length: number) => new Uint8Array(length).fill(7);
const tokens = (aliceToken: string) =>
  operatorDirectory({ ADMIN_TOKENS: JSON.stringify({ alice: { role: "approver", token: aliceToken }, bob: { role: "read-only", token: "bob-token-0123456789" } }) });

describe("console sessions", () => {
  it("a fresh session reads back as its operator until it expires", async () => {
    const operators = (await tokens("alice-token-0123456789"))!;
    const { cookieValue } = await issueSession(operators.byName("alice")!, NOW, random);
    expect(cookieValue).not.toContain("alice-token");
    expect((await readSession(cookieValue, operators, NOW + 1000))?.operator).toMatchObject({ name: "alice", role: "approver" });
    expect(await readSession(cookieValue, operators, NOW + SESSION_SECONDS * 1000 - 1)).toBeDefined();
    expect(await readSession(cookieValue, operators, NOW + SESSION_SECONDS * 1000)).toBeUndefined();
  });

  it("a changed name, expiry, nonce or MAC is no session", async () => {
    const operators = (await tokens("alice-token-0123456789"))!;
    const { cookieValue } = await issueSession(operators.byName("alice")!, NOW, random);
    const [name, expiry, nonce, mac] = cookieValue.split(".");
    const bob = Buffer.from("bob").toString("base64url");
    for (const forged of [
      `${bob}.${expiry}.${nonce}.${mac}`,
      `${name}.${Number(expiry) + 3600}.${nonce}.${mac}`,
      `${name}.${expiry}.${"B".repeat(24)}.${mac}`,
      `${name}.${expiry}.${nonce}.${"A".repeat(43)}`,
      `${name}.${expiry}.${nonce}`,
      "",
    ]) {
      expect(await readSession(forged, operators, NOW), forged).toBeUndefined();
    }
  });

  it("rotating the operator's token ends the session; removing the operator too", async () => {
    const before = (await tokens("alice-token-0123456789"))!;
    const { cookieValue } = await issueSession(before.byName("alice")!, NOW, random);
    expect(await readSession(cookieValue, (await tokens("alice-token-rotated-9876"))!, NOW)).toBeUndefined();
    const withoutAlice = (await operatorDirectory({ ADMIN_TOKEN: "only-the-admin-token-1" }))!;
    expect(await readSession(cookieValue, withoutAlice, NOW)).toBeUndefined();
  });

  it("the CSRF token belongs to one session", async () => {
    const operators = (await tokens("alice-token-0123456789"))!;
    const one = (await issueSession(operators.byName("alice")!, NOW, random)).session;
    const other = (await issueSession(operators.byName("alice")!, NOW, (n) => new Uint8Array(n).fill(9))).session;
    expect(await validCsrfToken(one, await csrfToken(one))).toBe(true);
    expect(await validCsrfToken(one, await csrfToken(other))).toBe(false);
    expect(await validCsrfToken(one, undefined)).toBe(false);
    expect(await validCsrfToken(one, "")).toBe(false);
  });
});
