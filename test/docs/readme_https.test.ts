import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { npmStart, ROOT, shell, type NpmStart } from "../support/npm_start.js";

// The README's "The enrollment guide over https, locally" as a reader runs
// it: `npm start -- --https`, then the section's shell block, line for line.
// Only the port and the development folder differ (this server has its own,
// so it can run beside the other test files); nothing else is rewritten.

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
let server: NpmStart;

beforeAll(async () => {
  server = await npmStart({ args: ["--https"] });
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

function section(heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  expect(start, `README section "${heading}"`).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 3);
  return readme.slice(start, end);
}

it("the README says to start the server with --https", () => {
  expect(section("The enrollment guide over https, locally")).toContain("`npm start -- --https`");
});

it("its ir, cr and p10cr run as printed over https and give certificates of the CA", { timeout: 120_000 }, async () => {
  const block = /```sh\n([\s\S]*?)```/.exec(section("The enrollment guide over https, locally"))![1]!;
  expect(block).toContain("-tls_used -tls_trusted .dev/https-ca.pem");
  const script = block.replaceAll(".dev/", `${server.dev.dir}/`).replaceAll("127.0.0.1:8787", `127.0.0.1:${server.port}`);
  const file = join(server.dev.dir, "readme_https.sh");
  writeFileSync(file, `set -euo pipefail\n${script}`);
  const { code, output } = await shell(`bash ${file}`, 110_000);
  expect(code, output).toBe(0);
  for (const name of ["cmp-test-cert.pem", "cmp-test-cert2.pem", "p10cr.pem"]) expect(output).toContain(`${server.dev.dir}/${name}: OK`);
  expect(output).toContain("received IP");
  expect(output).toContain("received CP");
});
