import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import type { EndEntity } from "../../src/ca/end_entity.js";
import { getEndEntity } from "../../src/ca/end_entity_store.js";
import { registerEndEntity, resetEndEntity, setEndEntityProfiles, type NewEndEntity, type RegistryContext } from "../../src/ca/registry.js";
import type { CmpLogEntry } from "../../src/cmp/engine_types.js";
import { decidePendingRequest, listPendingRequests, type PendingRequest } from "../../src/cmp/pending_request.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { cmpDevice, serialOf, type CmpDevice, type Credential } from "../support/cmp_device.js";
import { makeTestCa, startEngineServer, writeCaPem, type EngineServer, type TestCa } from "../support/engine_server.js";
import { makeCsr, makeTempDir, mustOpenssl, type OpensslResult, type TempDir } from "../support/openssl.js";

// Client mode (EJBCA's): every certificate goes to a registered end entity,
// which the first enrollment consumes. Driven with the real `openssl cmp`
// against the engine: -ref anything -secret pass:<enrollment code>, signed
// requests, kur, rr. Every refusal is checked on both sides: the client
// fails, the server logged the failInfo, and the store did not change.

let testCa: TestCa;
let caPem: string;
let dir: TempDir;
let server: EngineServer;
let registry: RegistryContext;
let device: CmpDevice;

const SUBJECT = "CN=%s,O=My Organization,C=SE";
const OPENSSL_SUBJECT = "/CN=%s/O=My Organization/C=SE";
const subjectOf = (name: string) => SUBJECT.replace("%s", name);
const opensslSubjectOf = (name: string) => OPENSSL_SUBJECT.replace("%s", name);
const sansOf = (name: string) => [`DNS:${name}.example.com`, "IP:192.0.2.7", `email:${name}@example.com`, `URI:urn:example:${name}`];

beforeAll(async () => {
  testCa = await makeTestCa();
  dir = await makeTempDir();
  caPem = await writeCaPem(testCa, dir.file("ca.pem"));
  const sealer = await SecretSealer.fromBinding(Buffer.from(randomBytes(32)).toString("base64"));
  server = await startEngineServer({
    ca: testCa,
    sealer,
    config: {
      CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
      JELLYFISH_CONFIG: JSON.stringify({
        profiles: {
          default: {},
          // Code-only: no shared MAC reference is accepted.
          client: { mode: "client", macReferences: [] },
          client2: { mode: "client", macReferences: [] },
          // EJBCA's "openssleec": EndEntityCertificate authentication only, no codes.
          eec: { mode: "client", macReferences: [], enrollmentCodes: false },
          // The same, with every request held for an operator.
          eecheld: { mode: "client", macReferences: [], enrollmentCodes: false, approval: { hold: "all", checkAfterSeconds: 1 } },
          kid: { mode: "client", macReferences: [], username: "senderKID" },
        },
      }),
    },
  });
  registry = {
    config: server.context.config,
    store: server.store,
    sealer,
    now: () => new Date(),
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
  };
  device = cmpDevice({ dir, endpoint: () => server.url, reference: "dev", secret: "s3cret" });
});

afterAll(async () => {
  await server?.stop();
  await dir?.remove();
});

// ---------------------------------------------------------------- helpers

/** Register `name` (subject and names from it) for `profile`; returns its enrollment code. */
async function register(name: string, fields: Partial<NewEndEntity> = {}): Promise<string> {
  const { enrollmentCode } = await registerEndEntity(registry, {
    username: name,
    subject: subjectOf(name),
    subjectAltNames: sansOf(name),
    profile: "client",
    ...fields,
  });
  return enrollmentCode;
}

async function entity(name: string): Promise<EndEntity> {
  return (await getEndEntity(server.store, name))!.value;
}

async function recordOf(cert: string): Promise<CertificateRecord | undefined> {
  return (await server.store.get<CertificateRecord>(`cert/${await serialOf(cert)}`))?.value;
}

async function storeSnapshot(): Promise<unknown[]> {
  const page = await server.store.list("", { limit: 1000 });
  expect(page.cursor).toBeUndefined();
  return page.items;
}

/** ir with the enrollment code; options.subject defaults to the entity's subject in OpenSSL's form. */
function irWithCode(name: string, code: string, key: string, extra: string[] = [], options: { subject?: string; reference?: string } = {}): string[] {
  return [
    "-cmd", "ir", "-ref", options.reference ?? "anything", "-secret", `pass:${code}`, "-newkey", key,
    "-subject", options.subject ?? opensslSubjectOf(name), "-certout", dir.file(`${name}-${++certCounter}.pem`), ...extra,
  ];
}
let certCounter = 0;

/** Enroll `name` with its code; returns the key and certificate. */
async function enrollWithCode(name: string, code: string, profile = "client", options: { subject?: string; reference?: string } = {}): Promise<Credential> {
  const key = await device.newKey(name);
  const args = irWithCode(name, code, key, [], options);
  const cert = args[args.indexOf("-certout") + 1]!;
  const logged = server.logs.length;
  const result = await device.cmp(args, profile);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(server.logs.slice(logged).map((log) => [log.bodyType, log.outcome])).toEqual([["ir", "issued"], ["certConf", "confirmed"]]);
  return { key, cert };
}

/**
 * Run a request the server must refuse: the client fails, the log names
 * `failInfo`, the store is unchanged. Unless `unverifiable` (an answer the
 * client cannot authenticate: unprotected errors to MAC requests), the client
 * also accepted the answer's protection and reports the failInfo itself.
 */
async function refused(args: string[], failInfo: string, profile: string, options: { unverifiable?: boolean } = {}): Promise<{ log: CmpLogEntry; client: OpensslResult }> {
  const before = await storeSnapshot();
  const logged = server.logs.length;
  const result = await device.cmp(args, profile);
  expect(result.code, result.stdout).not.toBe(0);
  if (!options.unverifiable) expect(result.stdout).toContain(`PKIFailureInfo: ${failInfo};`);
  const entries = server.logs.slice(logged);
  expect(entries, JSON.stringify(entries)).toHaveLength(1);
  expect(entries[0]!.failInfo, JSON.stringify(entries)).toEqual([failInfo]);
  expect(await storeSnapshot()).toEqual(before);
  return { log: entries[0]!, client: result };
}

async function subjectAltNames(cert: string): Promise<string> {
  return (await mustOpenssl(["x509", "-in", cert, "-noout", "-ext", "subjectAltName"])).split("\n").slice(1).join(" ").trim();
}

async function subjectText(cert: string): Promise<string> {
  return (await mustOpenssl(["x509", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253"])).trim().replace(/^subject=/, "");
}

// ---------------------------------------------------------------- first enrollment

describe("first enrollment with the enrollment code", () => {
  it("issues a certificate with the requested subject and the registered subjectAltNames; certConf confirms it", async () => {
    const code = await register("alice");
    const { cert } = await enrollWithCode("alice", code);
    await mustOpenssl(["verify", "-CAfile", caPem, cert]);
    expect(await subjectText(cert)).toBe("C=SE,O=My Organization,CN=alice");
    expect(await subjectAltNames(cert)).toBe("DNS:alice.example.com, IP Address:192.0.2.7, email:alice@example.com, URI:urn:example:alice");

    const serial = await serialOf(cert);
    const after = await entity("alice");
    expect(after).toMatchObject({ status: "issued", certificates: [serial] });
    expect(after.enrollmentCode).toBeUndefined();
    expect(after.usedEnrollmentCode).toBeDefined();
    expect(await recordOf(cert)).toMatchObject({ status: "confirmed", entity: "alice", profile: "client", subject: "C=SE,O=My Organization,CN=alice" });
    // The transaction keeps the code sealed for the certConf, never in clear.
    expect(JSON.stringify(await storeSnapshot())).not.toContain(code);
  });

  it("matches the subject as a set of attributes, values in any case, in any order", async () => {
    const code = await register("bob");
    const { cert } = await enrollWithCode("bob", code, "client", { subject: "/C=se/O=MY organization/CN=bob" });
    expect((await entity("bob")).status).toBe("issued");
    // The certificate gets the subject as requested.
    expect(await subjectText(cert)).toBe("CN=bob,O=MY organization,C=se");
  });

  it("accepts requested subjectAltNames that are registered, and issues all registered ones", async () => {
    const code = await register("carol");
    const key = await device.newKey("carol");
    const args = irWithCode("carol", code, key, ["-sans", "CAROL.example.com 192.0.2.7"]);
    const result = await device.cmp(args, "client");
    expect(result.code, result.stdout).toBe(0);
    const cert = args[args.indexOf("-certout") + 1]!;
    expect(await subjectAltNames(cert)).toBe("DNS:carol.example.com, IP Address:192.0.2.7, email:carol@example.com, URI:urn:example:carol");
  });

  it("issues no subjectAltName extension to an entity registered without names", async () => {
    const code = await register("dave", { subjectAltNames: [] });
    const { cert } = await enrollWithCode("dave", code);
    const text = await mustOpenssl(["x509", "-in", cert, "-noout", "-text"]);
    expect(text).not.toContain("Subject Alternative Name");
  });

  it("with -implicit_confirm: one message, the entity consumed", async () => {
    const code = await register("ernie");
    const key = await device.newKey("ernie");
    const logged = server.logs.length;
    const result = await device.cmp(irWithCode("ernie", code, key, ["-implicit_confirm"]), "client");
    expect(result.code, result.stdout).toBe(0);
    expect(server.logs.slice(logged).map((log) => [log.bodyType, log.outcome])).toEqual([["ir", "issued (implicitly confirmed)"]]);
    expect((await entity("ernie")).status).toBe("issued");
  });
  it("p10cr with the code: the CSR's subject names the entity; the certificate gets the registered names", async () => {
    const code = await register("pat");
    const key = await device.newKey("pat");
    const csr = await makeCsr(dir.file("pat.csr"), key, opensslSubjectOf("pat"));
    const out = dir.file("pat-p10.pem");
    const result = await device.cmp(["-cmd", "p10cr", "-csr", csr, "-ref", "anything", "-secret", `pass:${code}`, "-certout", out], "client");
    expect(result.code, result.stdout).toBe(0);
    expect(await subjectAltNames(out)).toBe("DNS:pat.example.com, IP Address:192.0.2.7, email:pat@example.com, URI:urn:example:pat");
    expect(await entity("pat")).toMatchObject({ status: "issued", certificates: [await serialOf(out)] });
  });

  it("concurrent requests with one code yield exactly one certificate", async () => {
    const code = await register("racer");
    const keys = await Promise.all([1, 2, 3, 4].map(() => device.newKey("racer")));
    const logged = server.logs.length;
    const results = await Promise.all(keys.map((key) => device.cmp(irWithCode("racer", code, key, ["-implicit_confirm"]), "client")));
    expect(results.filter((result) => result.code === 0)).toHaveLength(1);
    const issued = server.logs.slice(logged).filter((log) => log.outcome.startsWith("issued"));
    expect(issued).toHaveLength(1);
    const refusals = server.logs.slice(logged).filter((log) => log.failInfo);
    expect(refusals).toHaveLength(3);
    for (const log of refusals) expect(log.failInfo).toEqual(["notAuthorized"]);
    const after = await entity("racer");
    expect(after).toMatchObject({ status: "issued", certificates: [issued[0]!.serial] });
    const records = (await server.store.list<CertificateRecord>("cert/", { limit: 1000 })).items.filter((item) => item.value.entity === "racer");
    expect(records.map((item) => item.value.serial)).toEqual([issued[0]!.serial]);
  });
});

// ---------------------------------------------------------------- refusals of a code

describe("refusals of an enrollment", () => {
  it("the same code again: notAuthorized, MAC-protected with the used code so the client reads it", async () => {
    const code = await register("frank");
    await enrollWithCode("frank", code);
    const { log, client } = await refused(irWithCode("frank", code, await device.newKey("frank")), "notAuthorized", "client");
    expect(client.stdout).toContain("notAuthorized");
    expect(log.reason).toContain('"frank" has already enrolled');
    expect((await entity("frank")).certificates).toHaveLength(1);
  });

  it("a wrong code: badMessageCheck; the entity keeps its code and status", async () => {
    const code = await register("grace");
    const before = await entity("grace");
    await refused(irWithCode("grace", `${code}x`, await device.newKey("grace")), "badMessageCheck", "client", { unverifiable: true });
    expect(await entity("grace")).toEqual(before);
    // The right code still works afterwards.
    await enrollWithCode("grace", code);
  });

  it("the code of another entity: badMessageCheck (a code only opens its own entity)", async () => {
    const heidi = await register("heidi");
    await register("ivan");
    await refused(irWithCode("ivan", heidi, await device.newKey("ivan")), "badMessageCheck", "client", { unverifiable: true });
    expect((await entity("ivan")).status).toBe("new");
    expect((await entity("heidi")).status).toBe("new");
  });

  it("an unregistered CN: signerNotTrusted (no code to check the MAC with, and no shared secret)", async () => {
    const { log } = await refused(irWithCode("nobody", "whatever-code", await device.newKey("nobody")), "signerNotTrusted", "client", { unverifiable: true });
    expect(log.reason).toContain("unknown sender reference");
    expect(await getEndEntity(server.store, "nobody")).toBeUndefined();
  });

  it("a subject that is not the registered one: badCertTemplate, and the code is not consumed", async () => {
    const code = await register("judy");
    const { log } = await refused(irWithCode("judy", code, await device.newKey("judy"), [], { subject: "/CN=judy/O=Other Organization/C=SE" }), "badCertTemplate", "client");
    expect(log.reason).toContain("does not match the registered subject");
    // Fewer attributes than registered do not match either.
    await refused(irWithCode("judy", code, await device.newKey("judy"), [], { subject: "/CN=judy" }), "badCertTemplate", "client");
    await enrollWithCode("judy", code);
  });

  it("a subjectAltName that is not registered: badCertTemplate, and the code is not consumed", async () => {
    const code = await register("mallory");
    const { log } = await refused(irWithCode("mallory", code, await device.newKey("mallory"), ["-sans", "mallory.example.com evil.example.com"]), "badCertTemplate", "client");
    expect(log.reason).toContain("DNS:evil.example.com is not registered");
    await refused(irWithCode("mallory", code, await device.newKey("mallory"), ["-sans", "192.0.2.8"]), "badCertTemplate", "client");
    await enrollWithCode("mallory", code);
  });

  it("an entity of another profile, with its code: signerNotTrusted (codes are looked up in their own profile only)", async () => {
    const code = await register("niaj", { profile: "client2" });
    await refused(irWithCode("niaj", code, await device.newKey("niaj")), "signerNotTrusted", "client", { unverifiable: true });
    expect((await entity("niaj")).status).toBe("new");
  });

  it("an entity of another profile, with its certificate: notAuthorized", async () => {
    // olivia enrolls through client2, then asks profile client with her certificate.
    const code = await register("olivia", { profile: "client2" });
    const olivia = await enrollWithCode("olivia", code, "client2");
    const before = await entity("olivia");
    const { log } = await refused(
      ["-cmd", "ir", "-cert", olivia.cert, "-key", olivia.key, "-newkey", await device.newKey("olivia"), "-subject", opensslSubjectOf("olivia"),
        "-trusted", caPem, "-certout", dir.file("olivia-x.pem")],
      "notAuthorized",
      "client",
    );
    expect(log.reason).toContain('registered for profile "client2", not "client"');
    expect(await entity("olivia")).toEqual(before);
  });

  it("a signed ir with a certificate whose CN is another entity: notAuthorized; that entity is untouched", async () => {
    const peggy = await enrollWithCode("peggy", await register("peggy"));
    const code = await register("victor");
    const victorBefore = await entity("victor");
    const { log } = await refused(
      ["-cmd", "ir", "-cert", peggy.cert, "-key", peggy.key, "-newkey", await device.newKey("victor"), "-subject", opensslSubjectOf("victor"),
        "-trusted", caPem, "-certout", dir.file("victor-x.pem")],
      "notAuthorized",
      "client",
    );
    expect(log.reason).toContain('does not belong to end entity "victor"');
    expect(await entity("victor")).toEqual(victorBefore);
    await enrollWithCode("victor", code);
  });

  it("a signed ir with the entity's own certificate after it enrolled: another certificate, the first one stays", async () => {
    const walter = await enrollWithCode("walter", await register("walter"));
    const out = dir.file("walter-2.pem");
    const result = await device.cmp(
      ["-cmd", "ir", "-cert", walter.cert, "-key", walter.key, "-newkey", await device.newKey("walter"), "-subject", opensslSubjectOf("walter"),
        "-trusted", caPem, "-certout", out],
      "client",
    );
    expect(result.code, result.stdout).toBe(0);
    expect(await entity("walter")).toMatchObject({ status: "issued", certificates: [await serialOf(walter.cert), await serialOf(out)] });
    expect(await recordOf(walter.cert)).toMatchObject({ status: "confirmed" });
    expect(await recordOf(out)).toMatchObject({ status: "confirmed", entity: "walter", profile: "client" });
    expect((await recordOf(out))!.supersedes).toBeUndefined();
  });

  it("a signed ir of an enrolled entity whose subject is not the registered one: badCertTemplate", async () => {
    const wendy = await enrollWithCode("wendy", await register("wendy"));
    await refused(
      ["-cmd", "ir", "-cert", wendy.cert, "-key", wendy.key, "-newkey", await device.newKey("wendy"), "-subject", "/CN=wendy/O=Elsewhere/C=SE",
        "-trusted", caPem, "-certout", dir.file("wendy-x.pem")],
      "badCertTemplate",
      "client",
    );
  });
});

// ---------------------------------------------------------------- one entity, several profiles

// EJBCA ties an end entity to a CA and a certificate profile, not to a CMP
// alias: the guide enrolls user1 with its password on "opensslclient", then
// with its certificate on "openssleec". Here: "client" (codes) and "eec"
// (certificates only).
describe("one entity, several profiles", () => {
  /** cr or kur on `profile`, signed with `credential`; returns the new key and certificate. */
  async function signedRequest(command: "cr" | "kur", name: string, credential: Credential, profile: string): Promise<Credential> {
    const cert = dir.file(`${name}-${command}-${++certCounter}.pem`);
    const key = await device.newKey(name);
    const subject = command === "cr" ? ["-subject", opensslSubjectOf(name)] : [];
    const logged = server.logs.length;
    const result = await device.cmp(
      ["-cmd", command, "-cert", credential.cert, "-key", credential.key, "-newkey", key, ...subject, "-trusted", caPem, "-certout", cert],
      profile,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(server.logs.slice(logged).map((log) => [log.bodyType, log.outcome])).toEqual([[command, "issued"], ["certConf", "confirmed"]]);
    return { key, cert };
  }

  it("registered once for two profiles: ir with the code on one, cr and kur with the certificate on the other", async () => {
    const code = await register("bruno", { profile: undefined, profiles: ["client", "eec"] });
    const first = await enrollWithCode("bruno", code, "client");
    const second = await signedRequest("cr", "bruno", first, "eec");
    const third = await signedRequest("kur", "bruno", second, "eec");
    const serials = [await serialOf(first.cert), await serialOf(second.cert), await serialOf(third.cert)];
    expect(await entity("bruno")).toMatchObject({ status: "issued", profiles: ["client", "eec"], certificates: serials });
    expect(await recordOf(first.cert)).toMatchObject({ profile: "client", entity: "bruno", status: "confirmed" });
    expect(await recordOf(second.cert)).toMatchObject({ profile: "eec", entity: "bruno", status: "confirmed" });
    expect(await recordOf(third.cert)).toMatchObject({ profile: "eec", entity: "bruno", supersedes: serials[1] });
    expect(await subjectText(second.cert)).toBe(await subjectText(first.cert));
    expect(await subjectAltNames(second.cert)).toBe(await subjectAltNames(first.cert));
  });

  it("the enrollment code is one-time across the profiles: the first enrollment consumes it for all", async () => {
    const code = await register("carla", { profile: undefined, profiles: ["client", "client2"] });
    await enrollWithCode("carla", code, "client2");
    const { log } = await refused(irWithCode("carla", code, await device.newKey("carla")), "notAuthorized", "client");
    expect(log.reason).toContain("already enrolled");
  });

  it("a code on the certificate-only profile: signerNotTrusted, and the code stays usable", async () => {
    const code = await register("dylan", { profile: undefined, profiles: ["client", "eec"] });
    await refused(irWithCode("dylan", code, await device.newKey("dylan")), "signerNotTrusted", "eec", { unverifiable: true });
    await enrollWithCode("dylan", code, "client");
  });

  it("a profile not in the entity's list: notAuthorized for cr and kur with its certificate; nothing changes", async () => {
    const hank = await enrollWithCode("hank", await register("hank"));
    const before = await entity("hank");
    for (const command of ["cr", "kur"]) {
      const subject = command === "cr" ? ["-subject", opensslSubjectOf("hank")] : [];
      const { log } = await refused(
        ["-cmd", command, "-cert", hank.cert, "-key", hank.key, "-newkey", await device.newKey("hank"), ...subject, "-trusted", caPem, "-certout", dir.file("hank-x.pem")],
        "notAuthorized",
        "eec",
      );
      expect(log.reason).toContain('end entity "hank" is registered for profile "client", not "eec"');
    }
    expect(await entity("hank")).toEqual(before);
  });

  it("after the operator adds the profile, the same certificate enrolls there", async () => {
    const fiona = await enrollWithCode("fiona", await register("fiona"));
    await setEndEntityProfiles(registry, "fiona", { profiles: ["client", "eec"] });
    await signedRequest("cr", "fiona", fiona, "eec");
    expect((await entity("fiona")).certificates).toHaveLength(2);
  });

  it("a cr with the certificate held for approval: approved later, it adds a certificate (the registration is not consumed again)", async () => {
    const quentin = await enrollWithCode("quentin", await register("quentin", { profile: undefined, profiles: ["client", "eecheld"] }));
    const out = dir.file("quentin-held.pem");
    const client = device.cmp(
      ["-cmd", "cr", "-cert", quentin.cert, "-key", quentin.key, "-newkey", await device.newKey("quentin"), "-subject", opensslSubjectOf("quentin"), "-trusted", caPem, "-certout", out],
      "eecheld",
    );
    let pending: PendingRequest | undefined;
    await expect.poll(async () => (pending = ((await listPendingRequests(server.store, "pending")) as PendingRequest[]).find((p) => p.entity === "quentin")), { timeout: 15_000 }).toBeDefined();
    expect(pending).toMatchObject({ requestType: "cr", registrationKind: "update" });
    await decidePendingRequest(server.store, pending!.id, "approved", undefined, new Date());
    const result = await client;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await entity("quentin")).toMatchObject({ status: "issued", certificates: [await serialOf(quentin.cert), await serialOf(out)] });
  });

  it("a record stored before entities had several profiles (one `profile`) enrolls through that profile", async () => {
    const code = await register("gus");
    const { profiles: _profiles, ...stored } = (await server.store.get<EndEntity>("entity/gus"))!.value;
    await server.store.put("entity/gus", { ...stored, profile: "client" });
    await enrollWithCode("gus", code, "client");
    expect(await entity("gus")).toMatchObject({ status: "issued", profiles: ["client"] });
  });
});

// ---------------------------------------------------------------- username from senderKID

describe("username from senderKID", () => {
  it("finds the entity by the MAC reference, whatever the subject's CN", async () => {
    const code = await register("kid-42", { subject: "CN=Device 42,O=Fleet", subjectAltNames: ["DNS:d42.example.com"], profile: "kid" });
    const { cert } = await enrollWithCode("kid-42", code, "kid", { reference: "kid-42", subject: "/O=Fleet/CN=Device 42" });
    expect(await subjectText(cert)).toBe("CN=Device 42,O=Fleet");
    expect(await subjectAltNames(cert)).toBe("DNS:d42.example.com");
    expect(await entity("kid-42")).toMatchObject({ status: "issued", certificates: [await serialOf(cert)] });
  });

  it("a reference naming no entity: signerNotTrusted, even with a CN that is registered", async () => {
    const code = await register("kid-43", { subject: "CN=kid-43", subjectAltNames: [], profile: "kid" });
    await refused(irWithCode("kid-43", code, await device.newKey("kid-43"), [], { reference: "anything", subject: "/CN=kid-43" }), "signerNotTrusted", "kid", {
      unverifiable: true,
    });
    expect((await entity("kid-43")).status).toBe("new");
  });

  it("the reference of another entity with this entity's code: badMessageCheck", async () => {
    const code = await register("kid-44", { subject: "CN=kid-44", subjectAltNames: [], profile: "kid" });
    await register("kid-45", { subject: "CN=kid-45", subjectAltNames: [], profile: "kid" });
    await refused(irWithCode("kid-44", code, await device.newKey("kid-44"), [], { reference: "kid-45", subject: "/CN=kid-44" }), "badMessageCheck", "kid", {
      unverifiable: true,
    });
    expect((await entity("kid-44")).status).toBe("new");
    expect((await entity("kid-45")).status).toBe("new");
  });
});

// ---------------------------------------------------------------- life after enrollment

describe("kur, reset and revocation", () => {
  it("kur with the entity's certificate appends the new serial; the new certificate keeps subject and names", async () => {
    const first = await enrollWithCode("xavier", await register("xavier"));
    const out = dir.file("xavier-kur.pem");
    const result = await device.cmp(
      ["-cmd", "kur", "-cert", first.cert, "-key", first.key, "-newkey", await device.newKey("xavier"), "-trusted", caPem, "-certout", out],
      "client",
    );
    expect(result.code, result.stdout).toBe(0);
    const [oldSerial, newSerial] = [await serialOf(first.cert), await serialOf(out)];
    expect(newSerial).not.toBe(oldSerial);
    expect(await entity("xavier")).toMatchObject({ status: "issued", certificates: [oldSerial, newSerial] });
    expect(await recordOf(out)).toMatchObject({ entity: "xavier", supersedes: oldSerial, status: "confirmed" });
    expect(await subjectText(out)).toBe(await subjectText(first.cert));
    expect(await subjectAltNames(out)).toBe(await subjectAltNames(first.cert));
  });

  it("after a reset the entity enrolls again with the new code; the old code no longer authenticates", async () => {
    const oldCode = await register("yvonne");
    const first = await enrollWithCode("yvonne", oldCode);
    const { enrollmentCode: newCode } = await resetEndEntity(registry, "yvonne");
    expect(newCode).not.toBe(oldCode);
    expect(await entity("yvonne")).toMatchObject({ status: "new" });

    await refused(irWithCode("yvonne", oldCode, await device.newKey("yvonne")), "badMessageCheck", "client", { unverifiable: true });
    const second = await enrollWithCode("yvonne", newCode);
    expect(await entity("yvonne")).toMatchObject({ status: "issued", certificates: [await serialOf(first.cert), await serialOf(second.cert)] });
    // And the new code is now used up too.
    await refused(irWithCode("yvonne", newCode, await device.newKey("yvonne")), "notAuthorized", "client");
  });

  it("rr of the newest certificate revokes the entity; a kur with it is refused (certRevoked), with the older one too (notAuthorized)", async () => {
    const first = await enrollWithCode("zoe", await register("zoe"));
    const newest = dir.file("zoe-kur.pem");
    const newestKey = await device.newKey("zoe");
    const kur = await device.cmp(["-cmd", "kur", "-cert", first.cert, "-key", first.key, "-newkey", newestKey, "-trusted", caPem, "-certout", newest], "client");
    expect(kur.code, kur.stdout).toBe(0);
    const newestCredential = { cert: newest, key: newestKey };

    const rr = await device.cmp(
      ["-cmd", "rr", "-oldcert", newest, "-cert", newest, "-key", newestCredential.key, "-trusted", caPem, "-revreason", "1"],
      "client",
    );
    expect(rr.code, rr.stdout).toBe(0);
    expect(server.logs.at(-1)).toMatchObject({ bodyType: "rr", outcome: "revoked" });
    expect(await recordOf(newest)).toMatchObject({ status: "revoked", revocationReason: 1 });
    expect(await entity("zoe")).toMatchObject({ status: "revoked" });

    await refused(
      ["-cmd", "kur", "-cert", newest, "-key", newestCredential.key, "-newkey", await device.newKey("zoe"), "-trusted", caPem, "-certout", dir.file("zoe-x.pem")],
      "certRevoked",
      "client",
    );
    const { log } = await refused(
      ["-cmd", "kur", "-cert", first.cert, "-key", first.key, "-newkey", await device.newKey("zoe"), "-trusted", caPem, "-certout", dir.file("zoe-y.pem")],
      "notAuthorized",
      "client",
    );
    expect(log.reason).toContain('"zoe" is revoked');
  });

  it("rr of an older certificate leaves the entity issued, and kur with the newest still works", async () => {
    const first = await enrollWithCode("amy", await register("amy"));
    const newest = dir.file("amy-kur.pem");
    const newestKey = await device.newKey("amy");
    const kur = await device.cmp(["-cmd", "kur", "-cert", first.cert, "-key", first.key, "-newkey", newestKey, "-trusted", caPem, "-certout", newest], "client");
    expect(kur.code, kur.stdout).toBe(0);
    const rr = await device.cmp(["-cmd", "rr", "-oldcert", first.cert, "-cert", first.cert, "-key", first.key, "-trusted", caPem, "-revreason", "4"], "client");
    expect(rr.code, rr.stdout).toBe(0);
    expect(await recordOf(first.cert)).toMatchObject({ status: "revoked" });
    expect((await entity("amy")).status).toBe("issued");
    const again = await device.cmp(
      ["-cmd", "kur", "-cert", newest, "-key", newestKey, "-newkey", await device.newKey("amy"), "-trusted", caPem, "-certout", dir.file("amy-2.pem")],
      "client",
    );
    expect(again.code, again.stdout).toBe(0);
    expect((await entity("amy")).certificates).toHaveLength(3);
  });
});
