import { spawn } from "node:child_process";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, type BuiltCli } from "../cli/cli_process.js";
import { freePort } from "../support/free_port.js";
import { npmStart, npmStartRefused, shell, type NpmStart } from "../support/npm_start.js";
import type { TempDir } from "../support/openssl.js";
import { makeTwoKeyPairs } from "../support/two_key_pairs.js";
import { startChromium } from "../support/chromium.js";
import { approveRequest, logIn } from "../support/console_browser.js";

// Issue 17, the operator's day: `npm start -- --config <file>` serves the
// operator's profiles, and a request held for approval is approved with the CLI
// while the real `openssl cmp` polls for it.

// The trust anchor comes as "env:NAME" from the environment of npm start: if it did not reach the Worker, nothing would be served.
const CONFIG = {
  trustAnchors: { factory: "env:JELLYFISH_TEST_FACTORY_PEM" },
  profiles: { default: {}, approved: { approval: { hold: "all", checkAfterSeconds: 1 }, signature: { trustAnchors: ["factory"] } } },
};

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "jellyfish-config-"));
});

describe("npm start --config with an approval profile", () => {
  let server: NpmStart;
  let cli: BuiltCli;
  let configPath: string;

  beforeAll(async () => {
    configPath = join(folder, "jellyfish.json");
    await writeFile(configPath, JSON.stringify(CONFIG));
    const factory = await shell(
      `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=factory -days 1 -keyout ${folder}/factory.key.pem -out ${folder}/factory.pem`,
    );
    expect(factory.code, factory.output).toBe(0);
    const env = { JELLYFISH_TEST_FACTORY_PEM: await readFile(join(folder, "factory.pem"), "utf8") };
    [server, cli] = await Promise.all([npmStart({ args: ["--config", configPath], env }), buildCli()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([server?.stop(), cli?.remove()]);
  });

  it("names the file and the profile paths in its banner", () => {
    expect(server.printed("configuration:")).toBe(`configuration:   ${configPath}`);
    expect(server.output()).toMatch(new RegExp(`approved\\s+ra mode\\s+${server.origin}/\\.well-known/cmp/p/approved`));
  });

  it("holds an openssl cmp request until `jellyfish request approve`, then openssl cmp gets its certificate by polling", { timeout: 90_000 }, async () => {
    const secret = (await readFile(server.dev.secret, "utf8")).trim();
    const certout = join(server.dev.dir, "approved.pem");
    const env = { JELLYFISH_URL: server.origin, JELLYFISH_ADMIN_TOKEN: (await readFile(server.dev.adminToken, "utf8")).trim() };
    const enrollment = shell(
      `openssl cmp -cmd ir -server ${server.origin}/.well-known/cmp/p/approved -ref dev -secret pass:${secret}` +
        ` -newkey ${server.dev.deviceKey} -subject /CN=held1 -certout ${certout}`,
      80_000,
    );

    let id: string | undefined;
    const deadline = Date.now() + 30_000;
    while (id === undefined && Date.now() < deadline) {
      const listed = await cli.jellyfish(["request", "list", "--json"], env);
      expect(listed.code, listed.stderr).toBe(0);
      id = (JSON.parse(listed.stdout) as { requests: { id: string }[] }).requests[0]?.id;
      if (id === undefined) await new Promise((done) => setTimeout(done, 500));
    }
    expect(id, "no request waited for approval").toBeDefined();
    const approved = await cli.jellyfish(["request", "approve", id!], env);
    expect(approved.code, approved.stderr).toBe(0);

    const enrolled = await enrollment;
    expect(enrolled.code, enrolled.output).toBe(0);
    expect(enrolled.output).toContain("received 1 enrolled certificate");
    const verified = await shell(`openssl verify -CAfile ${server.dev.caCert} ${certout}`);
    expect(verified.output).toContain(": OK");
  });

  it("holds an openssl cmp request until an approver approves it in the web console (Chromium); openssl cmp then gets its certificate", { timeout: 120_000 }, async () => {
    const secret = (await readFile(server.dev.secret, "utf8")).trim();
    const certout = join(server.dev.dir, "approved-in-console.pem");
    const enrollment = shell(
      `openssl cmp -cmd ir -server ${server.origin}/.well-known/cmp/p/approved -ref dev -secret pass:${secret}` +
        ` -newkey ${server.dev.deviceKey} -subject /CN=held-console -certout ${certout}`,
      100_000,
    );
    const chromium = await startChromium();
    try {
      const page = await logIn(await chromium.newContext(), server.origin, (await readFile(server.dev.adminToken, "utf8")).trim());
      await approveRequest(page, server.origin, "CN=held-console", { reason: "checked by hand", timeoutMs: 40_000 });
      const enrolled = await enrollment;
      expect(enrolled.code, enrolled.output).toBe(0);
      expect(enrolled.output).toContain("received 1 enrolled certificate");
      expect((await shell(`openssl verify -CAfile ${server.dev.caCert} ${certout}`)).output).toContain(": OK");
      // The console says who decided: the operator of npm start's ADMIN_TOKEN.
      await page.goto(`${server.origin}/admin/console/`);
      const text = await page.locator("body").innerText();
      expect(text, text).toMatch(/CN=held-console[\s\S]*admin/);
    } finally {
      await chromium.stop();
    }
  });
});

describe("a start that cannot serve what it was given", () => {
  it("a wrong configuration file: exit 1 naming the field, and wrangler never starts", { timeout: 60_000 }, async () => {
    const path = join(folder, "wrong.json");
    await writeFile(path, JSON.stringify({ profiles: { default: {}, approved: { approval: { hold: "sometimes" } } } }));
    const { code, output } = await npmStartRefused({ args: ["--config", path] });
    expect(code).toBe(1);
    expect(output).toContain(`${path}: JELLYFISH_CONFIG or CMP_SECRETS: profiles.approved.approval.hold: must be "none", "all" or "outsideDnsNames"`);
    expect(output).not.toContain("wrangler");
  });

  it('an "env:NAME" binding missing from the environment: exit 1 naming it', { timeout: 60_000 }, async () => {
    const path = join(folder, "anchors.json");
    await writeFile(path, JSON.stringify({ trustAnchors: { factory: "env:JELLYFISH_TEST_FACTORY_PEM" } }));
    const { code, output } = await npmStartRefused({ args: ["--config", path], env: { JELLYFISH_TEST_FACTORY_PEM: "" } });
    expect(code).toBe(1);
    expect(output).toContain("JELLYFISH_TEST_FACTORY_PEM, which is not set");
    expect(output).not.toContain("wrangler");
  });

  it("a response signer whose key is not its certificate's: exit 1 naming it, before wrangler starts", { timeout: 60_000 }, async () => {
    // The Worker's own start-up check (validate_settings.ts), not only the JSON loader.
    const pairs = await makeTwoKeyPairs({ file: (name: string) => join(folder, name) } as TempDir);
    const path = join(folder, "signer.json");
    await writeFile(path, JSON.stringify({ profiles: { default: { responseSigner: { key: "env:JELLYFISH_TEST_SIGNER_KEY", certificates: "env:JELLYFISH_TEST_SIGNER_CERT" } } } }));
    const env = { JELLYFISH_TEST_SIGNER_KEY: pairs.first.keyPem, JELLYFISH_TEST_SIGNER_CERT: pairs.second.certPem };
    const { code, output } = await npmStartRefused({ args: ["--config", path], env });
    expect(code).toBe(1);
    expect(output).toContain("the first certificate in profiles.default.responseSigner.certificates is not for profiles.default.responseSigner.key");
    expect(output).not.toContain("wrangler");
    expect(output).not.toContain("PRIVATE KEY");
  });

  describe("a busy port", () => {
    let other: Server;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      // Someone else's server, answering everything as the readiness check would like.
      other = createServer((_, response) => response.writeHead(405, { allow: "POST" }).end());
      await new Promise<void>((done) => other.listen(port, "127.0.0.1", () => done()));
    });
    afterAll(() => new Promise<void>((done) => other.close(() => done())));

    it("exits 1 saying so, and prints no banner", { timeout: 60_000 }, async () => {
      const { code, output } = await npmStartRefused({ port, args: ["--port", String(port)] });
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} is in use; another server is listening there; choose another with --port`);
      expect(output).not.toContain("Jellyfish development server");
    });
  });

  it("--help prints the options and starts nothing", { timeout: 30_000 }, async () => {
    const { code, output } = await npmStartRefused({ args: ["--help"] });
    expect(code).toBe(0);
    for (const option of ["--config <file.json>", "--port <n>", "--https"]) expect(output).toContain(option);
  });
});

it("`npm start -- --help` is what npm runs", { timeout: 30_000 }, async () => {
  const child = spawn("npm", ["start", "--silent", "--", "--help"], { cwd: join(import.meta.dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  const code = await new Promise((done) => child.once("exit", done));
  expect(code).toBe(0);
  expect(output).toContain("Usage: npm start -- [--config <file.json>] [--port <n>] [--https]");
});
