import { randomBytes } from "node:crypto";
import { decodeListCursor, encodeListCursor } from "../../src/ca/list_cursor.js";
import { beforeEach, describe, expect, it } from "vitest";
import { certificateKey, revokeCertificate, type CertificateRecord } from "../../src/ca/certificate_record.js";
import { endEntityKey, enrollmentCodeSecret, newEnrollmentCode, type EndEntity } from "../../src/ca/end_entity.js";
import { getEndEntity } from "../../src/ca/end_entity_store.js";
import {
  RegistryError,
  deleteEndEntity,
  getRegisteredEndEntity,
  listCertificates,
  listEndEntities,
  registerEndEntity,
  resetEndEntity,
  type CertificateFilter,
  type NewEndEntity,
  type RegistryContext,
} from "../../src/ca/registry.js";
import { loadConfig } from "../../src/config/load.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { MemoryStore } from "../../src/store/memory.js";
import { numberedCertificateRecord } from "./numbered_certificate_record.js";

// The operator's registry of client-mode end entities and the listing of
// issued certificates, on a memory store with a real configuration.

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const config = loadConfig({
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: {
      opensslclient: { mode: "client" },
      otherclient: { mode: "client", username: "UID" },
      opensslra: { mode: "ra" },
    },
  }),
});
const sealer = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("base64"));

let store: MemoryStore;
let clock: Date;
let context: RegistryContext;

beforeEach(() => {
  store = new MemoryStore();
  clock = new Date("2026-11-22T10:00:00.000Z");
  context = {
    config,
    store,
    sealer,
    now: () => clock,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
  };
});

const USER1: NewEndEntity = {
  username: "user1",
  subject: "CN=user1,O=My Organization,C=SE",
  subjectAltNames: ["DNS:user1.example.com", "IP:192.0.2.7", "email:user1@example.com", "URI:urn:example:user1"],
  profile: "opensslclient",
};

/** The registry call's rejection, checked to be a RegistryError of `kind` whose message starts with `field:`. */
async function rejection(promise: Promise<unknown>, kind: RegistryError["kind"], field?: string): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a RegistryError").toBeInstanceOf(RegistryError);
  const registryError = error as RegistryError;
  expect(registryError.kind, registryError.message).toBe(kind);
  if (field) expect(registryError.message).toMatch(new RegExp(`^${field}: `));
  return registryError;
}

/** Everything in the store, as JSON text (what a backend would hold). */
async function storeText(): Promise<string> {
  return JSON.stringify((await store.list("", { limit: 1000 })).items);
}

async function stored(username: string): Promise<EndEntity> {
  return (await getEndEntity(store, username))!.value;
}

async function opens(entity: EndEntity, field: "enrollmentCode" | "usedEnrollmentCode", context: string): Promise<string | undefined> {
  const sealed = entity[field];
  if (!sealed) return undefined;
  const bytes = await sealer.open(sealed, context);
  return bytes && new TextDecoder().decode(bytes);
}

describe("registerEndEntity", () => {
  it("stores a new entity with a normalised subject and names, and returns a generated 20-character code", async () => {
    const { entity, enrollmentCode } = await registerEndEntity(context, USER1);
    expect(enrollmentCode).toMatch(new RegExp(`^[${ALPHABET}]{20}$`));
    expect(entity).toMatchObject({
      username: "user1",
      subject: "CN=user1,O=My Organization,C=SE",
      subjectAltNames: ["DNS:user1.example.com", "IP:192.0.2.7", "email:user1@example.com", "URI:urn:example:user1"],
      profiles: ["opensslclient"],
      status: "new",
      certificates: [],
      createdAt: "2026-11-22T10:00:00.000Z",
      updatedAt: "2026-11-22T10:00:00.000Z",
    });
    expect(entity.usedEnrollmentCode).toBeUndefined();
    expect(await stored("user1")).toEqual(JSON.parse(JSON.stringify(entity)));
  });

  it("generates codes from the unambiguous alphabet only (no 0, O, 1, l, I), different each time", async () => {
    const codes = new Set<string>();
    for (let index = 0; index < 30; index++) {
      const { enrollmentCode } = await registerEndEntity(context, { ...USER1, username: `u${index}` });
      expect(enrollmentCode).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
      codes.add(enrollmentCode);
    }
    expect(codes.size).toBe(30);
  });

  it("newEnrollmentCode maps bytes onto the alphabet and rejects bytes above the last full multiple of 57", () => {
    let calls = 0;
    const code = newEnrollmentCode((length) => {
      calls++;
      // 228 = 4 * 57 and above are rejected (bias); 227 % 57 = 56 ("9"), 57 % 57 = 0 ("A").
      const bytes = [227, 228, 255, 57, ...Array.from({ length: 28 }, (_, i) => i)];
      return Uint8Array.from(bytes.slice(0, length));
    });
    expect(calls).toBe(1);
    expect(code).toBe(`9A${ALPHABET.slice(0, 18)}`);
  });

  it("stores the code only sealed: the plaintext (or its base64) appears nowhere in the store", async () => {
    const { enrollmentCode } = await registerEndEntity(context, USER1);
    const { enrollmentCode: given } = await registerEndEntity(context, { ...USER1, username: "user2", enrollmentCode: "My-Own-Code-42" });
    const text = await storeText();
    for (const code of [enrollmentCode, given]) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(Buffer.from(code).toString("base64"));
      expect(text).not.toContain(Buffer.from(code).toString("hex"));
    }
  });

  it("seals the code with the username as context: it opens for that username and no other", async () => {
    const { enrollmentCode } = await registerEndEntity(context, USER1);
    const entity = await stored("user1");
    expect(await opens(entity, "enrollmentCode", "user1")).toBe(enrollmentCode);
    expect(await opens(entity, "enrollmentCode", "user2")).toBeUndefined();
    expect(Array.from((await sealer.open(entity.enrollmentCode!, "user1"))!)).toEqual(Array.from(enrollmentCodeSecret(enrollmentCode)));
  });

  it("accepts an operator's code of 6 to 128 characters without spaces, and returns it", async () => {
    for (const [index, code] of ["CMP-pw", "x".repeat(128), "päss√ørd!", "a-b_c.d:e/f"].entries()) {
      const { enrollmentCode } = await registerEndEntity(context, { ...USER1, username: `given${index}`, enrollmentCode: code });
      expect(enrollmentCode).toBe(code);
      expect(await opens(await stored(`given${index}`), "enrollmentCode", `given${index}`)).toBe(code);
    }
  });

  it.each([
    ["5 characters", "abcde"],
    ["129 characters", "x".repeat(129)],
    ["a space", "abc def"],
    ["a tab", "abc\tdef"],
    ["a trailing newline", "abcdefg\n"],
    ["a number", 12345678],
    ["null", null],
    ["an empty string", ""],
  ])("refuses a given code with %s (enrollmentCode, invalid) and stores nothing", async (_label, code) => {
    const error = await rejection(registerEndEntity(context, { ...USER1, enrollmentCode: code }), "invalid", "enrollmentCode");
    expect(error.message).toContain("6..128");
    expect(await storeText()).toBe("[]");
  });

  it("accepts usernames of 1..128 of letters, digits and ._@+=,-", async () => {
    for (const username of ["a", "A.b_c@d+e=f,g-h", "9".repeat(128), "user@example.com"]) {
      const { entity } = await registerEndEntity(context, { ...USER1, username });
      expect(entity.username).toBe(username);
      expect(await getEndEntity(store, username)).toBeDefined();
    }
  });

  it.each([
    ["a slash", "a/b"],
    ["a space", "a b"],
    ["129 characters", "u".repeat(129)],
    ["'.'", "."],
    ["'..'", ".."],
    ["a question mark", "a?b"],
    ["a percent sign", "a%2fb"],
    ["a non-ASCII letter", "användare"],
  ])("refuses a username with %s (username, invalid)", async (_label, username) => {
    await rejection(registerEndEntity(context, { ...USER1, username }), "invalid", "username");
    expect(await storeText()).toBe("[]");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["blank", "   "],
    ["a number", 7],
  ])("refuses a username that is %s (username: must be a non-empty string)", async (_label, username) => {
    const error = await rejection(registerEndEntity(context, { ...USER1, username }), "invalid", "username");
    expect(error.message).toBe("username: must be a non-empty string");
  });

  it("refuses an unknown profile, naming it", async () => {
    const error = await rejection(registerEndEntity(context, { ...USER1, profile: "nosuch" }), "invalid", "profile");
    expect(error.message).toContain('"nosuch"');
    await rejection(registerEndEntity(context, { ...USER1, profile: undefined }), "invalid", "profiles");
    expect(await storeText()).toBe("[]");
  });

  it("refuses a profile in RA mode: it enrolls without registrations", async () => {
    const error = await rejection(registerEndEntity(context, { ...USER1, profile: "opensslra" }), "invalid", "profile");
    expect(error.message).toContain('"opensslra" is not in client mode');
    expect(await storeText()).toBe("[]");
  });

  it("normalises OpenSSL's /CN=…/O=… form to RFC 4514", async () => {
    const { entity } = await registerEndEntity(context, { ...USER1, subject: "/C=SE/O=My Organization/CN=user1" });
    expect(entity.subject).toBe("CN=user1,O=My Organization,C=SE");
    const spaced = await registerEndEntity(context, { ...USER1, username: "user2", subject: "  CN=user2,  O=Org " });
    expect(spaced.entity.subject).toBe("CN=user2,O=Org");
  });

  it.each([
    ["without '='", "user1"],
    ["with an unknown attribute", "XX=1"],
    ["with a dangling escape", "CN=a\\"],
    ["a number", 42],
    ["empty", ""],
  ])("refuses a subject %s (subject, invalid)", async (_label, subject) => {
    await rejection(registerEndEntity(context, { ...USER1, subject }), "invalid", "subject");
    expect(await storeText()).toBe("[]");
  });

  it("normalises subjectAltNames (prefix case, DNS case) and defaults them to none", async () => {
    const { entity } = await registerEndEntity(context, { ...USER1, subjectAltNames: ["dns:User1.EXAMPLE.com", "Email:User1@Example.com", "uri:urn:x"] });
    expect(entity.subjectAltNames).toEqual(["DNS:user1.example.com", "email:User1@Example.com", "URI:urn:x"]);
    const none = await registerEndEntity(context, { ...USER1, username: "bare", subjectAltNames: undefined });
    expect(none.entity.subjectAltNames).toEqual([]);
    // JSON null counts as absent.
    const nulled = await registerEndEntity(context, { ...USER1, username: "nulled", subjectAltNames: null });
    expect(nulled.entity.subjectAltNames).toEqual([]);
  });

  it.each([
    ["an unknown kind", ["dirName:CN=x"], '"dirName:CN=x"'],
    ["a bad IP address", ["IP:300.1.1.1"], '"300.1.1.1"'],
    ["an empty value", ["DNS:"], '"DNS:"'],
    ["a string instead of an array", "DNS:user1.example.com", "array of strings"],
    ["a non-string entry", ["DNS:a.example", 5], "array of strings"],
  ])("refuses subjectAltNames with %s (subjectAltNames, invalid)", async (_label, subjectAltNames, detail) => {
    const error = await rejection(registerEndEntity(context, { ...USER1, subjectAltNames }), "invalid", "subjectAltNames");
    expect(error.message).toContain(detail);
    expect(await storeText()).toBe("[]");
  });

  it("refuses a username that exists (conflict) and leaves the first registration as it was", async () => {
    const first = await registerEndEntity(context, USER1);
    const before = await storeText();
    clock = new Date("2026-11-23T00:00:00.000Z");
    const error = await rejection(registerEndEntity(context, { ...USER1, subject: "CN=intruder" }), "conflict");
    expect(error.message).toContain('"user1" exists');
    expect(await storeText()).toBe(before);
    expect(await opens(await stored("user1"), "enrollmentCode", "user1")).toBe(first.enrollmentCode);
  });

  it("is unavailable without a sealer (no ENROLLMENT_CODE_KEY), storing nothing", async () => {
    const error = await rejection(registerEndEntity({ ...context, sealer: undefined }, USER1), "unavailable");
    expect(error.message).toContain("ENROLLMENT_CODE_KEY");
    expect(await storeText()).toBe("[]");
  });
});

describe("resetEndEntity", () => {
  async function enrolled(): Promise<EndEntity> {
    // What a successful enrollment leaves: status issued, the code moved to usedEnrollmentCode, a certificate.
    await registerEndEntity(context, USER1);
    const entity = await stored("user1");
    const after: EndEntity = { ...entity, status: "issued", enrollmentCode: undefined, usedEnrollmentCode: entity.enrollmentCode, certificates: ["0a"] };
    await store.put(endEntityKey("user1"), after);
    return after;
  }

  it("gives an enrolled entity a new code and status new, clears the used code, keeps its certificates", async () => {
    const before = await enrolled();
    clock = new Date("2026-12-01T00:00:00.000Z");
    const { entity, enrollmentCode } = await resetEndEntity(context, "user1");
    expect(enrollmentCode).toMatch(new RegExp(`^[${ALPHABET}]{20}$`));
    expect(entity).toMatchObject({ status: "new", certificates: ["0a"], createdAt: before.createdAt, updatedAt: "2026-12-01T00:00:00.000Z" });
    const now = await stored("user1");
    expect(now.usedEnrollmentCode).toBeUndefined();
    expect("usedEnrollmentCode" in now).toBe(false);
    expect(now.status).toBe("new");
    expect(await opens(now, "enrollmentCode", "user1")).toBe(enrollmentCode);
    expect(JSON.stringify(now)).not.toContain(enrollmentCode);
  });

  it("replaces a live code: the new one differs and the old sealed value is gone", async () => {
    const first = await registerEndEntity(context, USER1);
    const oldSealed = (await stored("user1")).enrollmentCode!;
    const { enrollmentCode } = await resetEndEntity(context, "user1");
    expect(enrollmentCode).not.toBe(first.enrollmentCode);
    const now = await stored("user1");
    expect(now.enrollmentCode).not.toEqual(oldSealed);
    expect(await opens(now, "enrollmentCode", "user1")).toBe(enrollmentCode);
  });

  it("takes an operator's code, with the same rules as registration", async () => {
    await registerEndEntity(context, USER1);
    const { enrollmentCode } = await resetEndEntity(context, "user1", "Chosen-Again");
    expect(enrollmentCode).toBe("Chosen-Again");
    expect(await opens(await stored("user1"), "enrollmentCode", "user1")).toBe("Chosen-Again");
    const before = await storeText();
    await rejection(resetEndEntity(context, "user1", "short"), "invalid", "enrollmentCode");
    await rejection(resetEndEntity(context, "user1", "with space"), "invalid", "enrollmentCode");
    expect(await storeText()).toBe(before);
  });

  it("is notFound for an unknown username and creates nothing", async () => {
    const error = await rejection(resetEndEntity(context, "ghost"), "notFound");
    expect(error.message).toContain('"ghost"');
    expect(await storeText()).toBe("[]");
  });
});

describe("get, delete and list end entities", () => {
  it("gets a registered entity and is notFound for others", async () => {
    const { entity } = await registerEndEntity(context, USER1);
    expect(await getRegisteredEndEntity(context, "user1")).toEqual(JSON.parse(JSON.stringify(entity)));
    await rejection(getRegisteredEndEntity(context, "user2"), "notFound");
  });

  it("deletes an entity, leaving its certificates recorded; a second delete is notFound", async () => {
    await registerEndEntity(context, USER1);
    await store.put(certificateKey("0a"), numberedCertificateRecord(10, { entity: "user1" }));
    await deleteEndEntity(context, "user1");
    expect(await getEndEntity(store, "user1")).toBeUndefined();
    expect(await store.get(certificateKey("0a"))).toBeDefined();
    await rejection(deleteEndEntity(context, "user1"), "notFound");
    await rejection(getRegisteredEndEntity(context, "user1"), "notFound");
  });

  it("lists all entities, or those of a profile and/or status, and nothing else in the store", async () => {
    await registerEndEntity(context, USER1);
    await registerEndEntity(context, { ...USER1, username: "user2" });
    await registerEndEntity(context, { ...USER1, username: "uid1", profile: "otherclient" });
    await store.put(endEntityKey("user2"), { ...(await stored("user2")), status: "issued" });
    await store.put(certificateKey("0a"), numberedCertificateRecord(10, { entity: "user1" }));
    await store.put("txn/x/y", { profile: "opensslclient" });

    const names = async (filter: { profile?: string; status?: string }) => (await listEndEntities(context, filter)).map((e) => e.username).sort();
    expect(await names({})).toEqual(["uid1", "user1", "user2"]);
    expect(await names({ profile: "opensslclient" })).toEqual(["user1", "user2"]);
    expect(await names({ profile: "otherclient" })).toEqual(["uid1"]);
    expect(await names({ status: "new" })).toEqual(["uid1", "user1"]);
    expect(await names({ status: "issued" })).toEqual(["user2"]);
    expect(await names({ profile: "opensslclient", status: "new" })).toEqual(["user1"]);
    expect(await names({ status: "revoked" })).toEqual([]);
    expect(await names({ profile: "nosuch" })).toEqual([]);
  });

  it("lists more entities than one store page holds", async () => {
    for (let index = 0; index < 1100; index++) {
      await store.put(endEntityKey(`bulk${String(index).padStart(4, "0")}`), { username: `bulk${index}`, profile: "opensslclient", status: index % 2 ? "new" : "issued" });
    }
    expect(await listEndEntities(context, {})).toHaveLength(1100);
    expect(await listEndEntities(context, { status: "new" })).toHaveLength(550);
  });
});

describe("listCertificates", () => {
  const TOTAL = 1203; // more than two store pages of 500
  const list = (filter: Partial<CertificateFilter>) => listCertificates(context, { limit: 100, ...filter });

  /** Record n: every 3rd revoked, every 5th of the ra profile, every 7th issued to user7, subject device<n>. */
  async function fill(): Promise<void> {
    for (let n = 0; n < TOTAL; n++) {
      await store.put(
        certificateKey(numberedCertificateRecord(n).serial),
        numberedCertificateRecord(n, {
          status: n % 3 === 0 ? "revoked" : "confirmed",
          profile: n % 5 === 0 ? "opensslra" : "opensslclient",
          entity: n % 7 === 0 ? "user7" : undefined,
        }),
      );
    }
    // Not certificates: must never be listed.
    await store.put(endEntityKey("user7"), { username: "user7" });
    await store.put("txn/mac-00/abcd", { serial: "0001" });
  }

  /** Follow cursors from the first page to the last; returns the serials and the number of pages. */
  async function all(filter: Partial<CertificateFilter>): Promise<{ serials: string[]; pages: number }> {
    const serials: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list({ ...filter, cursor });
      pages++;
      expect(page.certificates.length).toBeLessThanOrEqual(filter.limit ?? 100);
      serials.push(...page.certificates.map((c) => c.serial));
      cursor = page.cursor;
      expect(pages).toBeLessThan(2000);
    } while (cursor);
    return { serials, pages };
  }

  const serialsWhere = (predicate: (n: number) => boolean) =>
    Array.from({ length: TOTAL }, (_, n) => n).filter(predicate).map((n) => numberedCertificateRecord(n).serial);

  beforeEach(fill);

  it("returns the first `limit` records in serial order with a cursor, and the next page after it", async () => {
    const first = await list({ limit: 100 });
    expect(first.certificates.map((c) => c.serial)).toEqual(serialsWhere((n) => n < 100));
    expect(first.cursor).toBeDefined();
    const second = await list({ limit: 100, cursor: first.cursor });
    expect(second.certificates.map((c) => c.serial)).toEqual(serialsWhere((n) => n >= 100 && n < 200));
  });

  it("pages through every record across store pages, each once, in order, the last page without a cursor", async () => {
    const { serials, pages } = await all({ limit: 250 });
    expect(serials).toEqual(serialsWhere(() => true));
    expect(pages).toBe(Math.ceil(TOTAL / 250));
  });

  it("with a limit of 1000 (the API's maximum) takes two pages, the first crossing two store pages", async () => {
    const first = await list({ limit: 1000 });
    expect(first.certificates).toHaveLength(1000);
    expect(decodeListCursor(first.cursor!, "cert/")?.after).toBe(`cert/${numberedCertificateRecord(999).serial}`);
    const second = await list({ limit: 1000, cursor: first.cursor });
    expect(second.certificates.map((c) => c.serial)).toEqual(serialsWhere((n) => n >= 1000));
    expect(second.cursor).toBeUndefined();
  });

  it("gives no cursor when the page ends exactly at the last record", async () => {
    const everything = await list({ limit: TOTAL });
    expect(everything.certificates).toHaveLength(TOTAL);
    expect(everything.cursor).toBeUndefined();
    const tail = await list({ limit: 3, cursor: encodeListCursor({ after: `cert/${numberedCertificateRecord(TOTAL - 4).serial}` }) });
    expect(tail.certificates.map((c) => c.serial)).toEqual(serialsWhere((n) => n >= TOTAL - 3));
    expect(tail.cursor).toBeUndefined();
  });

  it("filters by status, profile and entity, across all pages", async () => {
    expect((await all({ status: "revoked", limit: 150 })).serials).toEqual(serialsWhere((n) => n % 3 === 0));
    expect((await all({ status: "confirmed", limit: 1000 })).serials).toEqual(serialsWhere((n) => n % 3 !== 0));
    expect((await all({ profile: "opensslra", limit: 60 })).serials).toEqual(serialsWhere((n) => n % 5 === 0));
    expect((await all({ entity: "user7", limit: 40 })).serials).toEqual(serialsWhere((n) => n % 7 === 0));
    expect((await all({ status: "revoked", profile: "opensslra", entity: "user7", limit: 7 })).serials).toEqual(
      serialsWhere((n) => n % 105 === 0),
    );
    expect((await all({ status: "issued" })).serials).toEqual([]);
    expect((await all({ entity: "nobody" })).serials).toEqual([]);
  });

  it("matches a subject substring case-insensitively", async () => {
    const { serials } = await all({ subject: "DEVICE12", limit: 5 });
    expect(serials).toEqual(serialsWhere((n) => String(n).startsWith("12")));
    expect((await list({ subject: "o=EXAMPLE", limit: 1000 })).certificates).toHaveLength(1000);
    expect((await list({ subject: "device1202,o=example" })).certificates.map((c) => c.serial)).toEqual([numberedCertificateRecord(1202).serial]);
  });

  it("continues a filtered page whose matches lie in different store pages", async () => {
    // Only records 10, 600 and 1100 match: they lie in the first, second and third store page.
    for (const n of [10, 600, 1100]) await store.put(certificateKey(numberedCertificateRecord(n).serial), numberedCertificateRecord(n, { entity: "sparse" }));
    const first = await list({ entity: "sparse", limit: 2 });
    expect(first.certificates.map((c) => c.serial)).toEqual([numberedCertificateRecord(10).serial, numberedCertificateRecord(600).serial]);
    expect(decodeListCursor(first.cursor!, "cert/")?.after).toBe(`cert/${numberedCertificateRecord(600).serial}`);
    const second = await list({ entity: "sparse", limit: 2, cursor: first.cursor });
    expect(second.certificates.map((c) => c.serial)).toEqual([numberedCertificateRecord(1100).serial]);
    expect(second.cursor).toBeUndefined();
  });

  it("answers an empty page for an empty store", async () => {
    const empty = await listCertificates({ ...context, store: new MemoryStore() }, { limit: 10 });
    expect(empty).toEqual({ certificates: [] });
  });
});

describe("revocation and the entity's status", () => {
  async function entityWithCertificates(serials: string[]): Promise<void> {
    await registerEndEntity(context, USER1);
    await store.put(endEntityKey("user1"), { ...(await stored("user1")), status: "issued", enrollmentCode: undefined, certificates: serials });
    for (const [index, serial] of serials.entries()) await store.put(certificateKey(serial), numberedCertificateRecord(parseInt(serial, 16), { entity: "user1", serial, transactionID: String(index) }));
  }

  it("revoking an older certificate leaves the entity issued", async () => {
    await entityWithCertificates(["0a", "0b"]);
    const before = await stored("user1");
    const result = await revokeCertificate(store, "0a", 1, new Date("2026-12-01T00:00:00.000Z"));
    expect(result.outcome).toBe("revoked");
    expect(await stored("user1")).toEqual(before);
  });

  it("revoking the newest certificate marks the entity revoked, with the time", async () => {
    await entityWithCertificates(["0a", "0b"]);
    const result = await revokeCertificate(store, "0b", 1, new Date("2026-12-01T00:00:00.000Z"));
    expect(result.outcome).toBe("revoked");
    expect(await stored("user1")).toMatchObject({ status: "revoked", updatedAt: "2026-12-01T00:00:00.000Z", certificates: ["0a", "0b"] });
  });

  it("a second revocation of the newest changes neither the certificate nor the entity", async () => {
    await entityWithCertificates(["0a"]);
    await revokeCertificate(store, "0a", 1, new Date("2026-12-01T00:00:00.000Z"));
    const entity = await stored("user1");
    const again = await revokeCertificate(store, "0a", 4, new Date("2026-12-02T00:00:00.000Z"));
    expect(again.outcome).toBe("alreadyRevoked");
    expect(again.outcome === "alreadyRevoked" && again.record).toMatchObject({ revocationReason: 1, revokedAt: "2026-12-01T00:00:00.000Z" });
    expect(await stored("user1")).toEqual(entity);
  });

  it("revoking a certificate of a deleted entity works and creates no entity", async () => {
    await entityWithCertificates(["0a"]);
    await deleteEndEntity(context, "user1");
    expect((await revokeCertificate(store, "0a", 0, clock)).outcome).toBe("revoked");
    expect(await getEndEntity(store, "user1")).toBeUndefined();
  });

  it("a certificate without an entity (RA mode) revokes without touching entities", async () => {
    await registerEndEntity(context, USER1);
    const before = await storeText();
    await store.put(certificateKey("0c"), numberedCertificateRecord(12));
    expect((await revokeCertificate(store, "0c", 0, clock)).outcome).toBe("revoked");
    expect(JSON.stringify(await stored("user1"))).toBe(JSON.stringify(JSON.parse(before)[0].value));
  });
});
