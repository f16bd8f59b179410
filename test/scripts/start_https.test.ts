import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildCli, type BuiltCli } from "../cli/cli_process.js";
import { npmStart, shell, type NpmStart } from "../support/npm_start.js";

// `npm start -- --https`: TLS with a local CA made in the development folder,
// and the banner's openssl cmp line (-tls_used -tls_trusted) enrolls as printed.

let server: NpmStart;
let cli: BuiltCli;

beforeAll(async () => {
  [server, cli] = await Promise.all([npmStart({ args: ["--https"] }), buildCli()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([server?.stop(), cli?.remove()]);
});

it("prints an https endpoint and an openssl cmp line with -tls_used -tls_trusted that enrolls as printed", { timeout: 60_000 }, async () => {
  expect(server.printed("endpoint:")).toBe(`endpoint:        ${server.origin}/.well-known/cmp`);
  const enroll = server.printed("openssl cmp -cmd ir");
  expect(enroll).toContain(`-server ${server.origin}/.well-known/cmp -tls_used -tls_trusted ${server.dev.tlsCa} `);
  const enrolled = await shell(enroll);
  expect(enrolled.code, enrolled.output).toBe(0);
  expect(enrolled.output).toContain("received PKICONF");
  const verified = await shell(server.printed("openssl verify"));
  expect(verified.output).toContain(": OK");
  // PUBLIC_BASE_URL is the https origin: that is where the certificate sends relying parties.
  const extensions = await shell(server.printed("openssl x509 -in"));
  expect(extensions.output).toContain(`URI:${server.origin}/`);
});

it("refuses a client that does not trust the local TLS CA", { timeout: 60_000 }, async () => {
  const enroll = server.printed("openssl cmp -cmd ir").replace(` -tls_trusted ${server.dev.tlsCa}`, ` -tls_trusted ${server.dev.caCert}`);
  const refused = await shell(enroll);
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain("certificate verify failed");
});

it("the CLI talks to it with --cacert (and JELLYFISH_CACERT), and says what is wrong without it", { timeout: 60_000 }, async () => {
  const env = { JELLYFISH_URL: server.origin, JELLYFISH_ADMIN_TOKEN: (await readFile(server.dev.adminToken, "utf8")).trim() };
  const caCertificate = (await readFile(server.dev.caCert, "utf8")).trim();

  const withOption = await cli.jellyfish(["ca", "chain", "--cacert", server.dev.tlsCa], env);
  expect(withOption.code, withOption.stderr).toBe(0);
  expect(withOption.stdout).toContain(caCertificate);

  const withEnv = await cli.jellyfish(["cert", "list", "--json"], { ...env, JELLYFISH_CACERT: server.dev.tlsCa });
  expect(withEnv.code, withEnv.stderr).toBe(0);

  const without = await cli.jellyfish(["ca", "chain"], env);
  expect(without.code).toBe(3);
  expect(without.stderr).toContain(`cannot reach the admin API at ${server.origin}`);

  const missing = await cli.jellyfish(["ca", "chain", "--cacert", `${server.dev.dir}/absent.pem`], env);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("cannot read --cacert");
});
