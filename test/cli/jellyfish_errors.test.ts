import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freePort } from "../support/free_port.js";
import { expectNoToken, TOKEN, useHarness } from "./harness.js";

// The built CLI's contract with the shell: where the token and URL come from,
// exit statuses, usage, help, and that the token never shows.

const h = useHarness();

describe("the token and the URL", () => {
  it("takes the token from JELLYFISH_ADMIN_TOKEN and sends it only as a bearer token", async () => {
    const r = await h.cli(["ca", "chain"]);
    expect(r.code).toBe(0);
    expect(h.api.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(h.api.requests[0]!.path).not.toContain(TOKEN);
  });

  it("takes the token from --token, which wins over the environment", async () => {
    const fromFlag = await h.built.jellyfish(["ca", "chain", "--token", TOKEN], { JELLYFISH_URL: h.url });
    expect(fromFlag.code).toBe(0);
    expectNoToken(fromFlag);
    const overriding = await h.cli(["--token", TOKEN, "ca", "chain"], { JELLYFISH_ADMIN_TOKEN: "stale-token-000" });
    expect(overriding.code).toBe(0);
    expect(h.api.requests.map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it("takes the URL from --url over JELLYFISH_URL, and keeps a path prefix", async () => {
    const r = await h.cli(["ca", "chain", "--url", `${h.url}/`], { JELLYFISH_URL: "http://127.0.0.1:9/nowhere" });
    expect(r.code).toBe(0);
    const prefixed = await h.cli(["ca", "chain"], { JELLYFISH_URL: `${h.url}/base/` });
    expect(prefixed.code).toBe(1);
    expect(h.api.requests.at(-1)!.path).toBe("/base/admin/ca/chain");
  });

  it("a wrong token: exit 1 with the server's 401 reason, and neither token printed", async () => {
    const wrong = "wrong-token-that-must-not-show";
    const r = await h.cli(["entity", "list"], { JELLYFISH_ADMIN_TOKEN: wrong });
    expect(r).toEqual({ code: 1, stdout: "", stderr: "error: missing or wrong admin token (HTTP 401)\n" });
    expectNoToken(r, wrong);
  });

  it("no token at all: a usage error before anything is sent", async () => {
    const r = await h.built.jellyfish(["entity", "list"], { JELLYFISH_URL: h.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no admin token: set JELLYFISH_ADMIN_TOKEN");
    expect(h.api.requests).toEqual([]);
  });

  it("a token that cannot go in a header is refused without being printed", async () => {
    const bad = "secret-with\nnewline";
    const r = await h.cli(["entity", "list"], { JELLYFISH_ADMIN_TOKEN: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot go in an HTTP header");
    expect(r.stderr).not.toContain("secret-with");
    expect(h.api.requests).toEqual([]);
  });
});

describe("exit 3: no answer", () => {
  it("names the URL and the cause", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await h.cli(["cert", "list"], { JELLYFISH_URL: url });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`error: cannot reach the admin API at ${url}: connect ECONNREFUSED ${url.slice("http://".length)}\n`);
  });

  it("also when the host name does not resolve", async () => {
    const r = await h.cli(["ca", "chain", "--url", "http://jellyfish.invalid"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot reach the admin API at http:\/\/jellyfish\.invalid: .*ENOTFOUND/);
  });
});

describe("exit 2: usage errors print the usage to stderr and send nothing", () => {
  const cases: [string, string[], RegExp][] = [
    ["no command", [], /^error: no command given\n\nUsage:\n {2}jellyfish entity add/],
    ["an unknown command", ["certs", "list"], /^error: unknown command "certs"\n/],
    ["an unknown subcommand", ["entity", "delete", "x"], /^error: unknown command "entity delete"\n\nUsage:\n {2}jellyfish entity add .*\n {2}jellyfish entity list/],
    ["a missing subcommand", ["cert"], /^error: "cert" needs a subcommand\n\nUsage:\n {2}jellyfish cert list/],
    ["an unknown flag", ["entity", "list", "--colour"], /^error: Unknown option '--colour'\n\nUsage: jellyfish entity list /],
    ["another command's flag", ["entity", "list", "--pem"], /^error: "entity list" has no option --pem\n/],
    ["a missing argument", ["entity", "show"], /^error: missing <username>\n\nUsage: jellyfish entity show <username>\n/],
    ["an extra argument", ["cert", "show", "01", "02"], /^error: unexpected argument "02"\n/],
    ["a missing required option", ["entity", "add", "u", "--subject", "CN=u"], /^error: missing --profile\n\nUsage: jellyfish entity add /],
    ["an option without its value", ["entity", "add", "u", "--subject"], /^error: Option '--subject <value>' argument missing/],
    ["a repeated option", ["entity", "list", "--status", "new", "--status", "issued"], /^error: --status is given more than once\n/],
    ["a bad --limit", ["cert", "list", "--limit", "0"], /^error: --limit must be a whole number from 1 up, not "0"\n/],
    ["--pem with --json", ["cert", "show", "01", "--pem", "--json"], /^error: --pem and --json do not go together/],
    ["a URL that is not absolute", ["ca", "chain", "--url", "127.0.0.1:8787"], /^error: the URL "127\.0\.0\.1:8787" is not an absolute URL/],
    ["a URL that is not HTTP", ["ca", "chain", "--url", "localhost:8787"], /^error: the URL must start with http:\/\/ or https:\/\/, not "localhost:8787"/],
    ["a URL with a password", ["ca", "chain", "--url", "http://u:p@127.0.0.1:8787"], /^error: the URL must not contain a user name or password/],
    ["a name that URL parsing would resolve away", ["entity", "rm", ".."], /^error: <username> cannot be "\.\."\n/],
  ];
  it.each(cases)("%s", async (_, args, stderr) => {
    const r = await h.cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(stderr);
    expect(r.stderr).toMatch(/Usage/);
    expect(h.api.requests).toEqual([]);
  });
});

describe("help and version", () => {
  it("--help lists every command and warns about --token in ps", async () => {
    const r = await h.cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const command of ["entity add", "entity list", "entity show", "entity rm", "entity reset", "cert list", "cert show", "cert revoke", "ca chain"]) {
      expect(r.stdout).toContain(`jellyfish ${command}`);
    }
    expect(r.stdout).toContain("JELLYFISH_ADMIN_TOKEN");
    expect(r.stdout).toContain("`ps`");
    expect(r.stdout).toMatch(/Exit status: 0 .*1 .*\n2 .*3 /);
  });

  it("--help after a command shows that command's options, even without a token", async () => {
    const r = await h.built.jellyfish(["cert", "revoke", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: jellyfish cert revoke <serial> \[--reason <reason>\]/);
    expect(r.stdout).toContain("keyCompromise (1)");
    expect(r.stdout).toContain("cessationOfOperation (5)");
    const group = await h.built.jellyfish(["entity", "-h"]);
    expect(group.stdout).toContain("jellyfish entity reset <username> [--code <code>]");
    expect(group.stdout).not.toContain("jellyfish cert list");
  });

  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = await h.built.jellyfish(["--version"]);
    expect(r).toEqual({ code: 0, stdout: `jellyfish ${version}\n`, stderr: "" });
  });
});

describe("the bundle", () => {
  it("is an executable script with a node shebang", async () => {
    expect((await readFile(h.built.path, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect((await stat(h.built.path)).mode & 0o111).toBe(0o111);
    const { stdout } = await promisify(execFile)(h.built.path, ["--version"]);
    expect(stdout).toMatch(/^jellyfish \d+\.\d+\.\d+\n$/);
  });

  it("exits quietly when its reader closes the pipe early", async () => {
    // Far more than a pipe buffers, so the CLI is still writing when head exits.
    for (let i = 0; i < 3000; i++) h.api.addCertificate();
    const { stdout, stderr } = await promisify(execFile)(
      "bash",
      // --norc: bash reads ~/.bashrc when its stdin is a socket, as Node's pipes are.
      ["--norc", "-c", `set -o pipefail; node "${h.built.path}" cert list --limit 3000 | head -n 1; echo "status $?"`],
      { env: { PATH: process.env.PATH ?? "", JELLYFISH_URL: h.url, JELLYFISH_ADMIN_TOKEN: TOKEN } },
    );
    expect(stdout).toMatch(/^SERIAL .*\nstatus 0\n$/);
    expect(stderr).toBe("");
  });
});
