import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretSealer, type Sealed } from "../../src/crypto/sealed_secret.js";

// AES-256-GCM sealing of secrets the server must read again (enrollment
// codes): what opens, what does not, and which key bindings are accepted.

const encoder = new TextEncoder();
const KEY_BYTES = new Uint8Array(randomBytes(32));
const KEY_BASE64 = Buffer.from(KEY_BYTES).toString("base64");
const KEY_HEX = Buffer.from(KEY_BYTES).toString("hex");

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[0]! ^= 0x01;
  return bytes.toString("base64");
}

function flipLastByte(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[bytes.length - 1]! ^= 0x80;
  return bytes.toString("base64");
}

describe("SecretSealer seal/open", () => {
  it("opens what it sealed with the same context, byte for byte", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const secret = encoder.encode("enrollment-code-123");
    const sealed = await sealer.seal(secret, "user1");
    const opened = await sealer.open(sealed, "user1");
    expect(opened).toBeInstanceOf(Uint8Array);
    expect(Array.from(opened!)).toEqual(Array.from(secret));
  });

  it("round-trips an empty secret and arbitrary binary bytes", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const binary = new Uint8Array(randomBytes(300));
    expect(Array.from((await sealer.open(await sealer.seal(binary, "ctx"), "ctx"))!)).toEqual(Array.from(binary));
    expect((await sealer.open(await sealer.seal(new Uint8Array(0), "ctx"), "ctx"))?.length).toBe(0);
  });

  it("stores a 12-byte IV and ciphertext plus 16-byte tag, both base64; the plaintext is not in it", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const code = "PlainTextCodeXYZ";
    const sealed = await sealer.seal(encoder.encode(code), "user1");
    expect(Object.keys(sealed).sort()).toEqual(["data", "iv"]);
    expect(Buffer.from(sealed.iv, "base64").length).toBe(12);
    expect(Buffer.from(sealed.data, "base64").length).toBe(code.length + 16);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain(code);
    expect(text).not.toContain(Buffer.from(code).toString("base64"));
  });

  it("does not open with another context (a sealed code copied onto another username)", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const sealed = await sealer.seal(encoder.encode("code"), "user1");
    expect(await sealer.open(sealed, "user2")).toBeUndefined();
    expect(await sealer.open(sealed, "")).toBeUndefined();
    expect(await sealer.open(sealed, "user1 ")).toBeUndefined();
    expect(await sealer.open(sealed, "User1")).toBeUndefined();
  });

  it("does not open a tampered IV, ciphertext or tag", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const sealed = await sealer.seal(encoder.encode("code-to-protect"), "user1");
    expect(await sealer.open({ ...sealed, iv: flipFirstByte(sealed.iv) }, "user1")).toBeUndefined();
    expect(await sealer.open({ ...sealed, data: flipFirstByte(sealed.data) }, "user1")).toBeUndefined();
    expect(await sealer.open({ ...sealed, data: flipLastByte(sealed.data) }, "user1")).toBeUndefined();
    // Truncated: the tag is cut short.
    const data = Buffer.from(sealed.data, "base64");
    expect(await sealer.open({ ...sealed, data: data.subarray(0, data.length - 1).toString("base64") }, "user1")).toBeUndefined();
    // Swapped in from another sealing.
    const other = await sealer.seal(encoder.encode("code-to-protect"), "user1");
    expect(await sealer.open({ iv: other.iv, data: sealed.data }, "user1")).toBeUndefined();
    // Still opens untouched.
    expect(new TextDecoder().decode((await sealer.open(sealed, "user1"))!)).toBe("code-to-protect");
  });

  it("answers undefined (never throws) for junk in the sealed fields", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const junk: Sealed[] = [
      { iv: "not base64 !!", data: "AAAA" },
      { iv: "AAAAAAAAAAAAAAAA", data: "%%%" },
      { iv: "", data: "" },
      { iv: "AAAA", data: "AAAAAAAAAAAAAAAAAAAAAA==" },
    ];
    for (const sealed of junk) await expect(sealer.open(sealed, "user1")).resolves.toBeUndefined();
  });

  it("does not open with another key", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const other = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("base64"));
    const sealed = await sealer.seal(encoder.encode("code"), "user1");
    expect(await other.open(sealed, "user1")).toBeUndefined();
  });

  it("uses a fresh IV each time: the same secret and context seal differently", async () => {
    const sealer = await SecretSealer.fromBinding(KEY_BASE64);
    const secret = encoder.encode("same secret");
    const sealings = await Promise.all(Array.from({ length: 20 }, () => sealer.seal(secret, "user1")));
    expect(new Set(sealings.map((s) => s.iv)).size).toBe(20);
    expect(new Set(sealings.map((s) => s.data)).size).toBe(20);
    for (const sealed of sealings) expect(new TextDecoder().decode((await sealer.open(sealed, "user1"))!)).toBe("same secret");
  });
});

describe("SecretSealer.fromBinding key formats", () => {
  it("accepts 32 bytes as base64 and as 64 hex digits (either case), which are the same key", async () => {
    const fromBase64 = await SecretSealer.fromBinding(KEY_BASE64);
    const fromHex = await SecretSealer.fromBinding(KEY_HEX);
    const fromUpperHex = await SecretSealer.fromBinding(KEY_HEX.toUpperCase());
    const sealed = await fromBase64.seal(encoder.encode("shared"), "ctx");
    expect(new TextDecoder().decode((await fromHex.open(sealed, "ctx"))!)).toBe("shared");
    expect(new TextDecoder().decode((await fromUpperHex.open(sealed, "ctx"))!)).toBe("shared");
    const back = await fromHex.seal(encoder.encode("back"), "ctx");
    expect(new TextDecoder().decode((await fromBase64.open(back, "ctx"))!)).toBe("back");
  });

  it("ignores surrounding whitespace (a trailing newline from `openssl rand -base64 32 > file`)", async () => {
    const sealer = await SecretSealer.fromBinding(`  ${KEY_BASE64}\n`);
    const reference = await SecretSealer.fromBinding(KEY_BASE64);
    const sealed = await sealer.seal(encoder.encode("x"), "c");
    expect(await reference.open(sealed, "c")).toBeDefined();
    const hexSealer = await SecretSealer.fromBinding(`${KEY_HEX}\r\n`);
    expect(await reference.open(await hexSealer.seal(encoder.encode("x"), "c"), "c")).toBeDefined();
  });

  it.each([
    ["16 bytes of base64", Buffer.from(randomBytes(16)).toString("base64")],
    ["31 bytes of base64", Buffer.from(randomBytes(31)).toString("base64")],
    ["33 bytes of base64", Buffer.from(randomBytes(33)).toString("base64")],
    ["48 bytes of base64", Buffer.from(randomBytes(48)).toString("base64")],
    ["62 hex digits", Buffer.from(randomBytes(31)).toString("hex")],
    ["66 hex digits", Buffer.from(randomBytes(33)).toString("hex")],
    ["63 hex digits", Buffer.from(randomBytes(32)).toString("hex").slice(1)],
    ["not base64 at all", "this is not a key!"],
    ["64 characters with a non-hex digit", `${"ab".repeat(31)}zz`],
    ["empty", ""],
    ["whitespace", "   \n"],
  ])("refuses %s with a message saying what is expected", async (_label, text) => {
    const attempt = SecretSealer.fromBinding(text);
    await expect(attempt).rejects.toThrow(/32 random bytes, as base64 or 64 hex digits/);
  });

  it("never puts the key text into its error message", async () => {
    const wrong = Buffer.from(randomBytes(24)).toString("base64");
    const error = await SecretSealer.fromBinding(wrong).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    if (!error) return;
    expect(error.message).not.toContain(wrong);
  });
});
