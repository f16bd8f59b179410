import { describe, expect, it } from "vitest";
import { TOKEN, useHarness } from "./harness.js";

// `jellyfish entity …`, the built CLI against the fake admin API.

const h = useHarness((api) => api.entities.clear());

async function addUser1(): Promise<void> {
  const r = await h.cli(["entity", "add", "user1", "--subject", "CN=user1,O=My Organization,C=SE", "--profile", "opensslclient"]);
  expect(r.code).toBe(0);
}

describe("entity add", () => {
  it("sends the entity and prints it with the enrollment code, saying it is shown once", async () => {
    const r = await h.cli([
      "entity", "add", "user1",
      "--subject", "/C=SE/O=My Organization/CN=user1",
      "--san", "DNS:user1.example.com",
      "--san", "IP:192.0.2.7",
      "--profile", "opensslclient",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const request = h.api.requests.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/admin/entities");
    expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(request.body)).toEqual({
      username: "user1",
      subject: "/C=SE/O=My Organization/CN=user1",
      subjectAltNames: ["DNS:user1.example.com", "IP:192.0.2.7"],
      profile: "opensslclient",
    });

    expect(r.stdout).toContain("Created entity user1.");
    expect(r.stdout).toMatch(/^subject +CN=user1,O=My Organization,C=SE$/m);
    expect(r.stdout).toMatch(/^subjectAltNames +DNS:user1\.example\.com\n +IP:192\.0\.2\.7$/m);
    expect(r.stdout).toMatch(/^status +new$/m);
    expect(r.stdout).toContain("Enrollment code: generated-code-");
    expect(r.stdout).toContain("shown once");
    expect(r.stdout).toContain("jellyfish entity reset user1");
  });

  it("repeated --profile registers one entity for several profiles", async () => {
    const r = await h.cli(["entity", "add", "user1", "--subject", "CN=user1", "--profile", "opensslclient", "--profile", "lab"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({ username: "user1", subject: "CN=user1", profiles: ["opensslclient", "lab"] });
    expect(r.stdout).toMatch(/^profiles +opensslclient\n +lab$/m);
    const list = await h.cli(["entity", "list"]);
    expect(list.stdout.trimEnd().split("\n")[1]).toMatch(/^user1 +new +opensslclient,lab +CN=user1 /);
  });

  it("passes a code of the operator's own", async () => {
    const r = await h.cli(["entity", "add", "dev7", "--subject", "CN=dev7", "--profile", "lab", "--code", "my-own-code-123"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toMatchObject({ enrollmentCode: "my-own-code-123" });
    expect(r.stdout).toContain("Enrollment code: my-own-code-123");
  });

  it("--json prints the API's answer, code included", async () => {
    const r = await h.cli(["--json", "entity", "add", "user1", "--subject", "CN=user1", "--profile", "opensslclient"]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.entity).toMatchObject({ username: "user1", subject: "CN=user1", status: "new", profiles: ["opensslclient"] });
    expect(answer.enrollmentCode).toMatch(/^generated-code-/);
  });

  it("an existing username: the server's 409 reason, exit 1", async () => {
    await addUser1();
    const r = await h.cli(["entity", "add", "user1", "--subject", "CN=user1", "--profile", "opensslclient"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: entity "user1" exists (HTTP 409)\n');
  });

  it("a profile not in client mode: the server's 400 reason, exit 1", async () => {
    const r = await h.cli(["entity", "add", "x", "--subject", "CN=x", "--profile", "default"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: profile: "default" is not in client mode (HTTP 400)\n');
  });
});

describe("entity list", () => {
  it("prints an aligned table with a header and a row per entity, and passes the filters", async () => {
    await addUser1();
    await h.cli(["entity", "add", "longer-name-2", "--subject", "CN=two", "--profile", "lab"]);
    const r = await h.cli(["entity", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^USERNAME +STATUS +PROFILES +SUBJECT +CERTS +UPDATED$/);
    expect(lines[1]).toMatch(/^user1 +new +opensslclient +CN=user1,O=My Organization,C=SE +0 +2026-11-22T10:00:00\.000Z$/);
    expect(lines[2]).toMatch(/^longer-name-2 +new +lab +CN=two +0 +2026/);
    // Aligned: every column starts at the same offset on every line.
    expect(lines[1]!.indexOf("new")).toBe(lines[0]!.indexOf("STATUS"));
    expect(lines[2]!.indexOf("new")).toBe(lines[0]!.indexOf("STATUS"));

    const filtered = await h.cli(["entity", "list", "--profile", "lab", "--status", "new"]);
    expect(h.api.requests.at(-1)!.query).toEqual({ profile: "lab", status: "new" });
    expect(filtered.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("--json prints the API's answer", async () => {
    await addUser1();
    const r = await h.cli(["entity", "list", "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({ entities: [expect.objectContaining({ username: "user1" })] });
  });

  it("says so on stderr when nothing matches", async () => {
    const r = await h.cli(["entity", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("No entities match.\n");
  });
});

describe("entity show, rm, reset", () => {
  it("show prints the entity and its certificates", async () => {
    await addUser1();
    h.api.addCertificate({ entity: "user1" });
    h.api.addCertificate({ entity: "user1" });
    const r = await h.cli(["entity", "show", "user1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^username +user1$/m);
    expect(r.stdout).toMatch(/^certificates +4f1a[0-9a-f]{4}\n +4f1a[0-9a-f]{4}$/m);
    expect(r.stdout).toMatch(/^enrollment code +set$/m);
    expect(r.stdout).not.toContain("generated-code");
  });

  it("show --json prints the API's answer", async () => {
    await addUser1();
    const r = await h.cli(["entity", "show", "user1", "--json"]);
    expect(JSON.parse(r.stdout).entity.username).toBe("user1");
  });

  it("show of an unknown entity: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["entity", "show", "ghost"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no entity "ghost" (HTTP 404)\n');
  });

  it("escapes names in the URL path", async () => {
    const r = await h.cli(["entity", "show", "a b/c?d"]);
    expect(r.code).toBe(1);
    expect(h.api.requests.at(-1)!.path).toBe("/admin/entities/a%20b%2Fc%3Fd");
  });

  it("rm deletes and says the certificates stay", async () => {
    await addUser1();
    const r = await h.cli(["entity", "rm", "user1"]);
    expect(r.code).toBe(0);
    expect(h.api.requests.at(-1)!.method).toBe("DELETE");
    expect(r.stdout).toBe("Deleted entity user1; its certificates stay recorded.\n");
    expect((await h.cli(["entity", "show", "user1"])).code).toBe(1);
    expect((await h.cli(["entity", "rm", "user1", "--json"])).code).toBe(1);
  });

  it("rm --json prints nothing, as the API answers 204 with no body", async () => {
    await addUser1();
    const r = await h.cli(["--json", "entity", "rm", "user1"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("reset prints the new code, shown once", async () => {
    await addUser1();
    h.api.entities.get("user1")!.status = "issued";
    const r = await h.cli(["entity", "reset", "user1", "--code", "fresh-code-456"]);
    expect(r.code).toBe(0);
    expect(h.api.requests.at(-1)!.path).toBe("/admin/entities/user1/reset");
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({ enrollmentCode: "fresh-code-456" });
    expect(r.stdout).toContain("Reset entity user1.");
    expect(r.stdout).toMatch(/^status +new$/m);
    expect(r.stdout).toContain("Enrollment code: fresh-code-456");
    expect(r.stdout).toContain("shown once");
  });

  it("reset without --code lets the server make one; --json prints the answer", async () => {
    await addUser1();
    const r = await h.cli(["entity", "reset", "user1", "--json"]);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({});
    expect(JSON.parse(r.stdout).enrollmentCode).toMatch(/^generated-code-/);
  });
});

describe("entity update", () => {
  it("PATCHes the profiles, as given and in order, and prints the entity", async () => {
    await addUser1();
    const r = await h.cli(["entity", "update", "user1", "--profile", "lab", "--profile", "opensslclient"]);
    expect(r.code, r.stderr).toBe(0);
    const request = h.api.requests.at(-1)!;
    expect([request.method, request.path]).toEqual(["PATCH", "/admin/entities/user1"]);
    expect(JSON.parse(request.body)).toEqual({ profiles: ["lab", "opensslclient"] });
    expect(r.stdout).toContain("Updated entity user1.");
    expect(r.stdout).toMatch(/^profiles +lab\n +opensslclient$/m);
    expect(r.stdout).not.toContain("generated-code");
  });

  it("--json prints the API's answer", async () => {
    await addUser1();
    const r = await h.cli(["--json", "entity", "update", "user1", "--profile", "lab"]);
    expect(JSON.parse(r.stdout)).toEqual({ entity: expect.objectContaining({ username: "user1", profiles: ["lab"] }) });
  });

  it("a profile not in client mode: the server's 400 reason, exit 1", async () => {
    await addUser1();
    const r = await h.cli(["entity", "update", "user1", "--profile", "default"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: profiles: "default" is not in client mode (HTTP 400)\n');
  });

  it("shows an entity from a server that answers one `profile` (before entities had several)", async () => {
    await addUser1();
    const stored = h.api.entities.get("user1")! as unknown as Record<string, unknown>;
    delete stored.profiles;
    stored.profile = "opensslclient";
    const r = await h.cli(["entity", "show", "user1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^profiles +opensslclient$/m);
  });
});
