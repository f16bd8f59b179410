import { describe, expect, it } from "vitest";
import { operatorDirectory, permits } from "../../src/http/operators.js";
import { Misconfigured } from "../../src/runtime/settings.js";

const T1 = "first-token-0123456789";
const T2 = "second-token-0123456789";

describe("operatorDirectory", () => {
  it("is undefined without ADMIN_TOKEN and ADMIN_TOKENS: no admin API at all", async () => {
    expect(await operatorDirectory({})).toBeUndefined();
    expect(await operatorDirectory({ ADMIN_TOKEN: "", ADMIN_TOKENS: "" })).toBeUndefined();
  });

  it("ADMIN_TOKEN is the administrator 'admin'; ADMIN_TOKENS adds named operators", async () => {
    const directory = (await operatorDirectory({ ADMIN_TOKEN: "legacy", ADMIN_TOKENS: JSON.stringify({ alice: { role: "approver", token: T1 } }) }))!;
    expect(directory.operators).toEqual([
      { name: "admin", role: "administrator" },
      { name: "alice", role: "approver" },
    ]);
    expect(await directory.authenticate("legacy")).toMatchObject({ name: "admin", role: "administrator" });
    expect(await directory.authenticate(T1)).toMatchObject({ name: "alice", role: "approver" });
    expect(await directory.authenticate(T2)).toBeUndefined();
    expect(await directory.authenticate("")).toBeUndefined();
    expect(directory.byName("alice")?.tokenDigest).toHaveLength(32);
    expect(directory.byName("bob")).toBeUndefined();
  });

  it.each([
    ["not JSON", "{", /ADMIN_TOKENS: not JSON/],
    ["an array", "[]", /must be a JSON object/],
    ["a bad name", JSON.stringify({ "-x": { role: "approver", token: T1 } }), /ADMIN_TOKENS\.-x: an operator name/],
    ["an unknown role", JSON.stringify({ bob: { role: "root", token: T1 } }), /ADMIN_TOKENS\.bob\.role: one of read-only, approver, administrator/],
    ["a short token", JSON.stringify({ bob: { role: "approver", token: "short" } }), /ADMIN_TOKENS\.bob\.token: at least 16 characters/],
    ["an unknown field", JSON.stringify({ bob: { role: "approver", token: T1, email: "b@x" } }), /ADMIN_TOKENS\.bob\.email: unknown field/],
    ["a shared token", JSON.stringify({ bob: { role: "approver", token: T1 }, eve: { role: "read-only", token: T1 } }), /"bob" and "eve" have the same token/],
  ])("refuses %s, naming the setting and never the token", async (_what, value, message) => {
    const refused = operatorDirectory({ ADMIN_TOKENS: value });
    await expect(refused).rejects.toThrow(Misconfigured);
    await expect(refused).rejects.toThrow(message);
    await expect(refused).rejects.not.toThrow(T1);
  });

  it("refuses an ADMIN_TOKENS operator named 'admin' beside ADMIN_TOKEN", async () => {
    await expect(operatorDirectory({ ADMIN_TOKEN: "legacy", ADMIN_TOKENS: JSON.stringify({ admin: { role: "read-only", token: T1 } }) })).rejects.toThrow(/"admin" is the operator of ADMIN_TOKEN/);
  });
});

describe("permits", () => {
  it("each role permits a prefix of read, decide, administer", () => {
    expect([permits("read-only", "read"), permits("read-only", "decide"), permits("read-only", "administer")]).toEqual([true, false, false]);
    expect([permits("approver", "read"), permits("approver", "decide"), permits("approver", "administer")]).toEqual([true, true, false]);
    expect([permits("administrator", "read"), permits("administrator", "decide"), permits("administrator", "administer")]).toEqual([true, true, true]);
  });
});
