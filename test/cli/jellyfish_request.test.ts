import { describe, expect, it } from "vitest";
import { useHarness } from "./harness.js";

// `jellyfish request …`, the built CLI against the fake admin API.

const h = useHarness((api) => {
  api.pendingRequests.length = 0;
});

const ID1 = "mac-646576.0001";
const ID2 = "mac-646576.0002";

function listQueries() {
  return h.api.requests.filter((r) => r.path === "/admin/requests").map((r) => r.query);
}

describe("request list", () => {
  it("prints an aligned table of the pending requests, oldest first", async () => {
    h.api.addPendingRequest({ subjectAltNamesText: ["DNS:a.elsewhere.example", "IP:192.0.2.7"] });
    h.api.addPendingRequest({ reason: "signer", holdReason: undefined, subjectAltNamesText: [], profile: "default" });
    h.api.addPendingRequest({ status: "approved" });
    const r = await h.cli(["request", "list"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(listQueries()).toEqual([{ status: "pending" }]);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID +STATUS +PROFILE +SUBJECT +SANS +WHY +CREATED +DECIDED BY$/);
    expect(lines[1]).toMatch(
      /^mac-646576\.0001 +pending +approval +CN=device-1 +DNS:a\.elsewhere\.example, IP:192\.0\.2\.7 +subjectAltName DNS:device-1\.elsewhere\.example is outside \*\.devices\.example +2026-11-22T10:01:00\.000Z$/,
    );
    // A signer's retries have no holdReason; the WHY column says what it waits for.
    expect(lines[2]).toMatch(/^mac-646576\.0002 +pending +default +CN=device-2 +the signer failed; retried by itself +2026-11-22T10:02:00\.000Z$/);
    expect(lines[2]!.indexOf("the signer")).toBe(lines[0]!.indexOf("WHY"));
    expect(lines[2]!.indexOf("2026")).toBe(lines[0]!.indexOf("CREATED"));
  });

  it("--status picks another status, or all", async () => {
    h.api.addPendingRequest();
    h.api.addPendingRequest({ status: "rejected", decisionReason: "not ours" });
    h.api.addPendingRequest({ status: "expired" });
    const rejected = await h.cli(["request", "list", "--status", "rejected"]);
    expect(rejected.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(" ")[0])).toEqual([ID2]);
    const all = await h.cli(["request", "list", "--status=all"]);
    expect(all.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(/ +/).slice(0, 2).join(" "))).toEqual([
      `${ID1} pending`,
      `${ID2} rejected`,
      "mac-646576.0003 expired",
    ]);
    expect(listQueries()).toEqual([{ status: "rejected" }, { status: "all" }]);
  });

  it("--json prints the API's answer as is", async () => {
    const held = h.api.addPendingRequest();
    h.api.addPendingRequest({ status: "issued" });
    const r = await h.cli(["request", "list", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ requests: [held] });
  });

  it("says so on stderr when nothing matches", async () => {
    h.api.addPendingRequest({ status: "issued" });
    expect(await h.cli(["request", "list"])).toEqual({ code: 0, stdout: "", stderr: "No pending requests.\n" });
    expect(await h.cli(["request", "list", "--status", "failed"])).toEqual({ code: 0, stdout: "", stderr: "No failed requests.\n" });
    h.api.pendingRequests.length = 0;
    expect(await h.cli(["request", "list", "--status", "all"])).toEqual({ code: 0, stdout: "", stderr: "No requests.\n" });
    expect((await h.cli(["request", "list", "--json"])).stdout).toBe('{\n  "requests": []\n}\n');
  });
});

describe("request show", () => {
  it("prints the request's fields", async () => {
    h.api.addPendingRequest({ subjectAltNamesText: ["DNS:a.example", "DNS:b.example"] });
    const r = await h.cli(["request", "show", ID1]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^id +mac-646576\.0001$/m);
    expect(r.stdout).toMatch(/^status +pending$/m);
    expect(r.stdout).toMatch(/^request type +ir$/m);
    expect(r.stdout).toMatch(/^subject +CN=device-1$/m);
    expect(r.stdout).toMatch(/^subjectAltNames +DNS:a\.example\n +DNS:b\.example$/m);
    expect(r.stdout).toMatch(/^entity +device-1$/m);
    expect(r.stdout).toMatch(/^waits for +approval \(an operator decides\)$/m);
    expect(r.stdout).toMatch(/^hold reason +subjectAltName DNS:device-1\.elsewhere\.example is outside \*\.devices\.example$/m);
    expect(r.stdout).toMatch(/^expires +2026-11-29T10:00:00\.000Z$/m);
    expect(r.stdout).not.toMatch(/^decided/m);
    expect(h.api.requests.at(-1)).toMatchObject({ method: "GET", path: `/admin/requests/${ID1}` });
  });

  it("--json prints the API's answer as is", async () => {
    const held = h.api.addPendingRequest();
    const r = await h.cli(["request", "show", ID1, "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({ request: held });
  });

  it("an unknown id: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["request", "show", "mac-00.ffff"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: no request mac-00.ffff (HTTP 404)\n" });
  });
});

describe("request approve", () => {
  it("approves with a reason, and shows the decided request", async () => {
    h.api.addPendingRequest();
    const r = await h.cli(["request", "approve", ID1, "--reason", "device-42 moved to elsewhere.example"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const sent = h.api.requests.at(-1)!;
    expect(sent).toMatchObject({ method: "POST", path: `/admin/requests/${ID1}/approve` });
    expect(sent.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(sent.body)).toEqual({ reason: "device-42 moved to elsewhere.example" });
    expect(r.stdout).toMatch(/^Approved request mac-646576\.0001; the certificate is issued at the client's next poll\.\n\n/);
    expect(r.stdout).toMatch(/^status +approved$/m);
    expect(r.stdout).toMatch(/^decision reason +device-42 moved to elsewhere\.example$/m);
    expect(r.stdout).toMatch(/^decided by +admin$/m);
    expect(h.api.pendingRequests[0]!.status).toBe("approved");
  });

  it("approves without a reason: an empty body; --json prints the API's answer", async () => {
    h.api.addPendingRequest();
    const r = await h.cli(["request", "approve", ID1, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({});
    const answer = JSON.parse(r.stdout);
    expect(Object.keys(answer)).toEqual(["request"]);
    expect(answer.request).toEqual(h.api.pendingRequests[0]);
    expect(answer.request).toMatchObject({ id: ID1, status: "approved", decidedAt: "2026-11-22T10:00:00.000Z" });
  });

  it("a request decided before: the server's 409 reason, exit 1", async () => {
    h.api.addPendingRequest({ status: "rejected", decisionReason: "no" });
    const r = await h.cli(["request", "approve", ID1]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: the request is not waiting for a decision (HTTP 409)\n" });
    expect(h.api.pendingRequests[0]!.status).toBe("rejected");
  });

  it("a request held by a failing signer: 409, exit 1", async () => {
    h.api.addPendingRequest({ reason: "signer", holdReason: undefined });
    const r = await h.cli(["request", "approve", ID1, "--reason", "go"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: the request is not waiting for a decision (HTTP 409)\n" });
    expect(h.api.pendingRequests[0]!.status).toBe("pending");
  });

  it("an unknown id: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["request", "approve", "mac-00.ffff"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: no request mac-00.ffff (HTTP 404)\n" });
  });
});

describe("request reject", () => {
  it("rejects with the reason the client will see, and shows the decided request", async () => {
    h.api.addPendingRequest();
    h.api.addPendingRequest();
    const r = await h.cli(["request", "reject", ID2, "--reason", "not one of our devices"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const sent = h.api.requests.at(-1)!;
    expect(sent).toMatchObject({ method: "POST", path: `/admin/requests/${ID2}/reject` });
    expect(JSON.parse(sent.body)).toEqual({ reason: "not one of our devices" });
    expect(r.stdout).toMatch(/^Rejected request mac-646576\.0002; the client's next poll gets the rejection\.\n\n/);
    expect(r.stdout).toMatch(/^status +rejected$/m);
    expect(r.stdout).toMatch(/^decision reason +not one of our devices$/m);
    expect(h.api.pendingRequests.map((p) => p.status)).toEqual(["pending", "rejected"]);
  });

  it("--json prints the API's answer as is", async () => {
    h.api.addPendingRequest();
    const r = await h.cli(["--json", "request", "reject", ID1, "--reason=no"]);
    expect(JSON.parse(r.stdout)).toEqual({ request: h.api.pendingRequests[0] });
    expect(JSON.parse(r.stdout).request).toMatchObject({ status: "rejected", decisionReason: "no" });
  });

  it("a request decided before: the server's 409 reason, exit 1", async () => {
    h.api.addPendingRequest();
    expect((await h.cli(["request", "approve", ID1])).code).toBe(0);
    const r = await h.cli(["request", "reject", ID1, "--reason", "changed my mind"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: the request is not waiting for a decision (HTTP 409)\n" });
    expect(h.api.pendingRequests[0]).toMatchObject({ status: "approved" });
    expect(h.api.pendingRequests[0]!.decisionReason).toBeUndefined();
  });

  it("an unknown id: the server's 404 reason, exit 1", async () => {
    const r = await h.cli(["request", "reject", "mac-00.ffff", "--reason", "x"]);
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: no request mac-00.ffff (HTTP 404)\n" });
  });

  it("without --reason: a usage error, exit 2, and nothing is sent", async () => {
    h.api.addPendingRequest();
    const r = await h.cli(["request", "reject", ID1]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'error: missing --reason\n\nUsage: jellyfish request reject <id> --reason <text>\nRun "jellyfish request reject --help" for details.\n',
    );
    const empty = await h.cli(["request", "reject", ID1, "--reason="]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: --reason needs a value\n/);
    expect(h.api.requests).toEqual([]);
    expect(h.api.pendingRequests[0]!.status).toBe("pending");
  });

  it("--reason is text here, not a CRLReason", async () => {
    h.api.addPendingRequest();
    await h.cli(["request", "reject", ID1, "--reason", "7"]);
    expect(JSON.parse(h.api.requests.at(-1)!.body)).toEqual({ reason: "7" });
  });
});

describe("usage and help", () => {
  const cases: [string, string[], RegExp][] = [
    ["a missing <id>", ["request", "show"], /^error: missing <id>\n\nUsage: jellyfish request show <id>\n/],
    ["an extra argument", ["request", "approve", ID1, ID2], /^error: unexpected argument "mac-646576\.0002"\n/],
    ["another command's option", ["request", "list", "--profile", "x"], /^error: "request list" has no option --profile\n/],
    ["--status on approve", ["request", "approve", ID1, "--status", "all"], /^error: "request approve" has no option --status\n/],
    ["an id URL parsing would resolve away", ["request", "approve", ".."], /^error: <id> cannot be "\.\."\n/],
  ];
  it.each(cases)("%s: exit 2, nothing sent", async (_, args, stderr) => {
    const r = await h.cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(stderr);
    expect(h.api.requests).toEqual([]);
  });

  it("--help lists the request commands", async () => {
    const r = await h.cli(["--help"]);
    for (const synopsis of [
      "jellyfish request list [--status <pending|approved|rejected|expired|issued|failed|all>]",
      "jellyfish request show <id>",
      "jellyfish request approve <id> [--reason <text>]",
      "jellyfish request reject <id> --reason <text>",
    ]) {
      expect(r.stdout).toContain(synopsis);
    }
    const group = await h.built.jellyfish(["request", "--help"]);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain("jellyfish request reject <id> --reason <text>");
    expect(group.stdout).not.toContain("jellyfish cert list");
  });

  it("a command's --help names its options, even without a token", async () => {
    const list = await h.built.jellyfish(["request", "list", "-h"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^Usage: jellyfish request list /);
    expect(list.stdout).toContain("(default pending)");
    const reject = await h.built.jellyfish(["request", "reject", "--help"]);
    expect(reject.stdout).toMatch(/--reason <text> +why \(at most 500 characters\); the client is sent this text/);
  });
});

describe("operator whoami", () => {
  it("prints the operator the token belongs to and its role", async () => {
    const r = await h.cli(["operator", "whoami"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("admin (administrator)\n");
    expect(h.api.requests.at(-1)).toMatchObject({ method: "GET", path: "/admin/whoami" });
  });
});
