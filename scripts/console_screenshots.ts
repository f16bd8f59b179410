/**
 * Screenshots of the web console for docs/console.md: starts the real Worker
 * (Miniflare) with sample data made the way an operator would (devices
 * enrolling with `openssl cmp`, decisions and revocations in the console),
 * drives headless Chromium through every page, and writes docs/console/*.png.
 *
 *   npx tsx scripts/console_screenshots.ts
 */
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startChromium } from "../test/support/chromium.js";
import { approveRequest, logIn } from "../test/support/console_browser.js";
import { makeCaFiles, makeKey, makeTempDir, opensslCmp } from "../test/support/openssl.js";
import { startWorker } from "../test/support/worker.js";

const OUT = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "docs/console");
const OPERATORS = {
  alice: { role: "administrator", token: randomBytes(24).toString("base64url") },
  bob: { role: "approver", token: randomBytes(24).toString("base64url") },
  rita: { role: "read-only", token: randomBytes(24).toString("base64url") },
};
const CONFIG = {
  profiles: {
    enroll: {},
    approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
    devices: { mode: "client" },
  },
};

const dir = await makeTempDir("jellyfish-screenshots-");
const { keyPem, certPem } = await makeCaFiles(dir, "/CN=Example Device CA/O=Example Corp/C=SE");
const worker = await startWorker({
  caKey: keyPem,
  caCert: certPem,
  secrets: { dev: "s3cret" },
  config: CONFIG,
  vars: { ADMIN_TOKENS: JSON.stringify(OPERATORS), ENROLLMENT_CODE_KEY: randomBytes(32).toString("base64") },
});
const chromium = await startChromium();
const held: Array<Promise<unknown>> = [];
try {
  const cmp = async (profile: string, name: string, timeoutMs = 20_000) =>
    opensslCmp([
      "-cmd", "ir", "-server", `${worker.url}/.well-known/cmp/p/${profile}`, "-ref", "dev", "-secret", "pass:s3cret",
      "-newkey", await makeKey(dir.file(`${name}.key`)), "-subject", `/CN=${name}/O=Example Corp`, "-sans", `${name}.devices.example`,
      "-certout", dir.file(`${name}.pem`), "-total_timeout", "120",
    ], { timeoutMs });
  for (const name of ["web-01", "sensor-17", "printer-3", "badge-reader-2"]) await cmp("enroll", name);
  for (const name of ["camera-9", "device-42", "gateway-7"]) held.push(cmp("approval", name, 130_000));

  const desktop = await chromium.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const approver = await logIn(desktop, worker.url, OPERATORS.bob.token);
  await approveRequest(approver, worker.url, "camera-9", { reason: "in the asset register" });
  await approver.close();
  await desktop.clearCookies();

  const page = await logIn(desktop, worker.url, OPERATORS.alice.token);
  await waitForPending(page, 2);
  // Sample history: one revoked, one on hold.
  await revoke(page, "printer-3", "keyCompromise");
  await revoke(page, "badge-reader-2", "certificateHold (suspend)");

  await page.goto(`${worker.url}/admin/console/entities`);
  await page.getByLabel("Username").fill("sensor-18");
  await page.getByLabel("Subject", { exact: false }).first().fill("CN=sensor-18,O=Example Corp");
  await page.getByLabel("Subject alternative names").fill("DNS:sensor-18.devices.example");
  await page.getByRole("button", { name: "Add end entity" }).click();
  await shot(page, "enrollment-code");
  await page.goto(`${worker.url}/admin/console/entities`);
  await page.getByLabel("Username").fill("kiosk-5");
  await page.getByLabel("Subject", { exact: false }).first().fill("CN=kiosk-5,O=Example Corp");
  await page.getByRole("button", { name: "Add end entity" }).click();

  await page.goto(`${worker.url}/admin/console/ca`);
  await page.getByRole("button", { name: "Regenerate CRL" }).click();

  await page.goto(`${worker.url}/admin/console/`);
  await shot(page, "requests");
  await page.goto(`${worker.url}/admin/console/certificates`);
  await shot(page, "certificates");
  await openCertificate(page, "printer-3");
  await shot(page, "certificate");
  await page.goto(`${worker.url}/admin/console/entities`);
  await shot(page, "entities");
  await page.goto(`${worker.url}/admin/console/ca`);
  await shot(page, "ca");
  await desktop.clearCookies();
  await page.goto(`${worker.url}/admin/console/login`);
  await shot(page, "login");

  const phone = await chromium.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const small = await logIn(phone, worker.url, OPERATORS.bob.token);
  await shot(small, "requests-phone");
  await openCertificate(small, "web-01");
  await shot(small, "certificate-phone");

  // Let the waiting clients finish: the rest are rejected.
  for (const name of ["device-42", "gateway-7"]) {
    const row = small.locator("tbody tr").filter({ hasText: `CN=${name}` });
    await small.goto(`${worker.url}/admin/console/`);
    await row.getByLabel("Reason").last().fill("screenshots done");
    await row.getByRole("button", { name: /^Reject\b/ }).click();
  }
  await Promise.all(held);
  console.log(`wrote ${OUT}/*.png`);
} finally {
  await chromium.stop();
  await worker.stop();
  await dir.remove();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

async function waitForPending(page: Page, count: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.goto(`${worker.url}/admin/console/`);
    if ((await page.getByRole("button", { name: /^Approve\b/ }).count()) >= count) return;
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`fewer than ${count} requests waiting`);
}

async function openCertificate(page: Page, name: string): Promise<void> {
  await page.goto(`${worker.url}/admin/console/certificates?subject=${encodeURIComponent(`CN=${name}`)}`);
  await page.getByRole("region", { name: "Certificates" }).getByRole("link").first().click();
  await page.getByRole("heading", { name: "Certificate" }).waitFor();
}

async function revoke(page: Page, name: string, reason: string): Promise<void> {
  await openCertificate(page, name);
  await page.getByLabel("Reason").selectOption({ label: reason });
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("status").waitFor();
}
