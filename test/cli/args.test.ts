import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError, type CommandLine } from "../../src/cli/args.js";

const ENV = { JELLYFISH_ADMIN_TOKEN: "env-token" };

function runLine(argv: string[], env: Record<string, string> = ENV): Extract<CommandLine, { kind: "run" }> {
  const line = parseCommandLine(argv, env);
  if (line.kind !== "run") throw new Error(`expected a command, got ${line.kind}`);
  return line;
}

function usageError(argv: string[], env: Record<string, string> = ENV): UsageError {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("parseCommandLine: commands", () => {
  it("reads a command with its argument, options and repeated --san", () => {
    const line = runLine(["entity", "add", "user1", "--subject", "CN=user1", "--san", "DNS:a", "--san", "IP:192.0.2.7", "--profile", "p", "--code", "12345678"]);
    expect(line.invocation.spec.name).toBe("entity add");
    expect(line.invocation.args).toEqual(["user1"]);
    expect(line.invocation.options).toMatchObject({ subject: "CN=user1", san: ["DNS:a", "IP:192.0.2.7"], profile: "p", code: "12345678" });
    expect(line.json).toBe(false);
  });

  it("reads repeated --profile of entity add and entity update as a list; a filter's one --profile as one", () => {
    const add = runLine(["entity", "add", "u", "--subject", "CN=u", "--profile", "a", "--profile", "b"]);
    expect(add.invocation.options).toMatchObject({ profiles: ["a", "b"] });
    const update = runLine(["entity", "update", "u", "--profile", "b"]);
    expect(update.invocation.spec.name).toBe("entity update");
    expect(update.invocation.options).toMatchObject({ profiles: ["b"] });
    expect(runLine(["entity", "list", "--profile", "a"]).invocation.options.profile).toBe("a");
  });

  it("takes global options before, between and after the command words", () => {
    for (const argv of [
      ["--json", "--url", "http://h:1", "cert", "show", "01"],
      ["cert", "--json", "show", "--url", "http://h:1", "01"],
      ["cert", "show", "01", "--url=http://h:1", "--json"],
    ]) {
      const line = runLine(argv);
      expect(line.invocation.spec.name).toBe("cert show");
      expect(line.invocation.args).toEqual(["01"]);
      expect(line.url).toBe("http://h:1");
      expect(line.json).toBe(true);
    }
  });

  it("takes an argument that starts with a dash after --", () => {
    expect(runLine(["entity", "show", "--", "-odd-name"]).invocation.args).toEqual(["-odd-name"]);
  });

  it("defaults --limit to 100 for cert list and converts it", () => {
    expect(runLine(["cert", "list"]).invocation.options.limit).toBe(100);
    expect(runLine(["cert", "list", "--limit", "2500"]).invocation.options.limit).toBe(2500);
    for (const bad of ["0", "-1", "1.5", "ten", "99999999999999999999"]) {
      expect(usageError(["cert", "list", `--limit=${bad}`]).message).toContain("--limit must be a whole number");
    }
  });

  it("converts --reason from a name or a number", () => {
    expect(runLine(["cert", "revoke", "01", "--reason", "cessationOfOperation"]).invocation.options.reason).toBe(5);
    expect(runLine(["cert", "revoke", "01", "--reason", "9"]).invocation.options.reason).toBe(9);
    expect(runLine(["cert", "revoke", "01"]).invocation.options.reason).toBeUndefined();
    expect(usageError(["cert", "revoke", "01", "--reason", "7"]).message).toContain("neither 0-10 (except 7 and 8)");
  });

  it("takes certificateHold for revoke and list; refuses removeFromCRL (8) with the command that lifts a hold", () => {
    expect(runLine(["cert", "revoke", "01", "--reason", "certificateHold"]).invocation.options.reason).toBe(6);
    expect(runLine(["cert", "list", "--reason", "certificateHold"]).invocation.options.reason).toBe(6);
    for (const argv of [
      ["cert", "revoke", "01", "--reason", "removeFromCRL"],
      ["cert", "revoke", "01", "--reason", "8"],
      ["cert", "list", "--reason", "removefromcrl"],
    ]) {
      expect(usageError(argv).message, argv.join(" ")).toContain("jellyfish cert unhold <serial>");
    }
  });

  it("reads --revoked-since as a date or a time with its zone, and sends it in UTC", () => {
    const since = (text: string) => runLine(["cert", "list", "--revoked-since", text]).invocation.options.revokedSince;
    expect(since("2026-12-01")).toBe("2026-12-01T00:00:00.000Z");
    expect(since("2026-12-01T08:30:00+02:00")).toBe("2026-12-01T06:30:00.000Z");
    expect(since("2026-12-01T08:30Z")).toBe("2026-12-01T08:30:00.000Z");
    for (const bad of ["yesterday", "2026-12-01T08:30:00", "2026-13-01", "1733000000", "2026-12-01 08:30Z"]) {
      expect(usageError(["cert", "list", `--revoked-since=${bad}`]).message, bad).toContain("--revoked-since");
    }
    expect(usageError(["cert", "revoke", "01", "--revoked-since", "2026-12-01"]).message).toContain("has no option --revoked-since");
  });

  it("defaults --status to pending for request list, and passes any other as given", () => {
    expect(runLine(["request", "list"]).invocation.options.status).toBe("pending");
    expect(runLine(["request", "list", "--status", "all"]).invocation.options.status).toBe("all");
  });

  it("keeps a decision's --reason as text, where cert revoke converts it", () => {
    const reject = runLine(["request", "reject", "id1", "--reason", "keyCompromise"]).invocation.options;
    expect(reject).toMatchObject({ decisionReason: "keyCompromise" });
    expect(reject.reason).toBeUndefined();
    expect(runLine(["request", "approve", "id1", "--reason", "7"]).invocation.options.decisionReason).toBe("7");
    expect(runLine(["request", "approve", "id1"]).invocation.options.decisionReason).toBeUndefined();
    expect(usageError(["request", "reject", "id1"]).message).toBe("missing --reason");
  });
});

describe("parseCommandLine: URL and token", () => {
  it("uses the flag, then the environment, then the default", () => {
    expect(runLine(["ca", "chain"]).url).toBe("http://127.0.0.1:8787");
    expect(runLine(["ca", "chain"], { ...ENV, JELLYFISH_URL: "https://ca.example/" }).url).toBe("https://ca.example");
    expect(runLine(["ca", "chain", "--url", "https://x.example/pre/"], { ...ENV, JELLYFISH_URL: "https://ca.example" }).url).toBe("https://x.example/pre");
    expect(runLine(["ca", "chain"]).token).toBe("env-token");
    expect(runLine(["ca", "chain", "--token", "flag-token"]).token).toBe("flag-token");
    // An empty variable counts as unset.
    expect(runLine(["ca", "chain"], { ...ENV, JELLYFISH_URL: "" }).url).toBe("http://127.0.0.1:8787");
  });

  it("requires a token, and refuses one that cannot be a header value, without quoting it", () => {
    expect(usageError(["ca", "chain"], {}).message).toMatch(/^no admin token/);
    expect(usageError(["ca", "chain"], { JELLYFISH_ADMIN_TOKEN: "" }).message).toMatch(/^no admin token/);
    for (const bad of ["qzx\nqzx", " qzx", "qzx ", "qzxé", "qzx\tqzx"]) {
      const error = usageError(["ca", "chain"], { JELLYFISH_ADMIN_TOKEN: bad });
      expect(error.message).toContain("cannot go in an HTTP header");
      expect(error.message + error.usage).not.toContain("qzx");
    }
    expect(runLine(["ca", "chain"], { JELLYFISH_ADMIN_TOKEN: "with inner space" }).token).toBe("with inner space");
  });

  it("refuses URLs that are not plain http(s) bases", () => {
    expect(usageError(["ca", "chain", "--url", "not a url"]).message).toContain("not an absolute URL");
    expect(usageError(["ca", "chain", "--url", "file:///etc/passwd"]).message).toContain("must start with http:// or https://");
    expect(usageError(["ca", "chain", "--url", "http://user:pw@h"]).message).toContain("user name or password");
    expect(usageError(["ca", "chain", "--url", "http://h/?x=1"]).message).toContain("query");
  });
});

describe("parseCommandLine: usage errors carry the nearest usage", () => {
  it("for the whole program, a group, or one command", () => {
    expect(usageError([]).usage).toContain("jellyfish ca chain");
    expect(usageError(["nope"]).usage).toContain("jellyfish entity add");
    const group = usageError(["cert", "nope"]);
    expect(group.usage).toContain("jellyfish cert revoke");
    expect(group.usage).not.toContain("jellyfish entity");
    expect(usageError(["cert", "revoke"]).usage).toBe('Usage: jellyfish cert revoke <serial> [--reason <reason>]\nRun "jellyfish cert revoke --help" for details.\n');
  });

  it("for an option parseArgs itself refuses, from the words it can make out", () => {
    const error = usageError(["entity", "list", "--bogus"]);
    expect(error.message).toBe("Unknown option '--bogus'");
    expect(error.usage).toMatch(/^Usage: jellyfish entity list /);
    expect(usageError(["--bogus"]).usage).toMatch(/^Usage:\n/);
  });

  it("for options of other commands, repeats, empty values and missing required ones", () => {
    expect(usageError(["ca", "chain", "--profile", "p"]).message).toBe('"ca chain" has no option --profile');
    expect(usageError(["entity", "list", "--profile", "a", "--profile", "b"]).message).toBe("--profile is given more than once");
    expect(usageError(["cert", "list", "--profile", "a", "--profile", "b"]).message).toBe("--profile is given more than once");
    expect(usageError(["entity", "update", "u"]).message).toBe("missing --profile");
    expect(usageError(["entity", "list", "--status="]).message).toBe("--status needs a value");
    expect(usageError(["entity", "add", "u", "--profile", "p"]).message).toBe("missing --subject");
    expect(usageError(["entity", "add", "--subject", "CN=u", "--profile", "p"]).message).toBe("missing <username>");
    expect(usageError(["entity", "show", "."]).message).toBe('<username> cannot be "."');
  });
});

describe("parseCommandLine: help and version", () => {
  it("gives help for the program, a group or a command, with no token needed", () => {
    const overall = parseCommandLine(["--help"], {});
    expect(overall.kind === "help" && overall.text).toContain("Global options:");
    const group = parseCommandLine(["cert", "-h"], {});
    expect(group.kind === "help" && group.text).toContain("jellyfish cert list");
    const command = parseCommandLine(["entity", "add", "--help", "--pem"], {});
    expect(command.kind === "help" && command.text).toMatch(/^Usage: jellyfish entity add <username>/);
    expect(usageError(["nope", "--help"]).message).toBe('unknown command "nope"');
  });

  it("gives the version", () => {
    expect(parseCommandLine(["--version"], {})).toEqual({ kind: "version" });
  });
});

describe("parseCommandLine: --cacert", () => {
  it("takes a CA file for an https server from the option, else from JELLYFISH_CACERT", () => {
    expect(runLine(["ca", "chain", "--cacert", "https-ca.pem"], ENV).cacert).toBe("https-ca.pem");
    expect(runLine(["ca", "chain"], { ...ENV, JELLYFISH_CACERT: "env.pem" }).cacert).toBe("env.pem");
    expect(runLine(["ca", "chain", "--cacert", "opt.pem"], { ...ENV, JELLYFISH_CACERT: "env.pem" }).cacert).toBe("opt.pem");
    expect(runLine(["ca", "chain"], ENV).cacert).toBeUndefined();
  });

  it("is an option of ra gateway too, for an https upstream", () => {
    const line = parseCommandLine(
      ["ra", "gateway", "--upstream", "https://127.0.0.1:8787/.well-known/cmp", "--key", "k", "--cert", "c", "--trusted", "t", "--cacert", "https-ca.pem"],
      {},
    );
    expect(line.kind === "offline" && line.invocation.options.raGateway?.cacert).toBe("https-ca.pem");
  });
});
