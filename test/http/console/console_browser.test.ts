import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChromium, type RunningBrowser } from "../../support/chromium.js";
import { approveRequest, logIn, rejectRequest } from "../../support/console_browser.js";
import { makeCaFiles, makeKey, makeTempDir, mustOpenssl, opensslCmp, type TempDir } from "../../support/openssl.js";
import { startWorker, type RunningWorker } from "../../support/worker.js";

// The web console (docs/console.md) end to end: the real Worker bundle in
// Miniflare, headless Chromium as the operators, real `openssl cmp` as the
// devices. Three operators, one of each role; a profile that holds every
// request for approval; a client-mode profile with enrollment codes.

const token = () => randomBytes(24).toString("base64url");
const OPERATORS = {
  reader: { role: "read-only", token: token() },
  approver: { role: "approver", token: token() },
  administrator: { role: "administrator", token: token() },
};
const CONFIG = {
  profiles: {
    approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
    devices: { mode: "client" },
  },
};

let dir: TempDir;
let worker: RunningWorker;
let chromium: RunningBrowser;
let url: string;

beforeAll(async () => {
  dir = await makeTempDir();
  const { keyPem, certPem } = await makeCaFiles(dir);
  [worker, chromium] = await Promise.all([
    startWorker({
      caKey: keyPem,
      caCert: certPem,
      secrets: { dev: "s3cret" },
      config: CONFIG,
      vars: { ADMIN_TOKENS: JSON.stringify(OPERATORS), ENROLLMENT_CODE_KEY: randomBytes(32).toString("base64") },
    }),
    startChromium(),
  ]);
  url = worker.url;
});

afterAll(async () => {
  await chromium?.stop();
  await worker?.stop();
  await dir?.remove();
});

/** A held ir of `subject`'s device, polling by itself until a decision (or 60 s). */
async function heldIr(name: string) {
  const key = await makeKey(dir.file(`${name}.key`));
  return opensslCmp([
    "-cmd", "ir", "-server", `${url}/.well-known/cmp/p/approval`, "-ref", "dev", "-secret", "pass:s3cret", "-newkey", key,
    "-subject", `/CN=${name}`, "-certout", dir.file(`${name}.pem`), "-total_timeout", "60",
  ], { timeoutMs: 70_000 });
}

async function operatorPage(name: keyof typeof OPERATORS, options?: Parameters<RunningBrowser["newContext"]>[0]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.newContext({ acceptDownloads: true, ...options });
  return { context, page: await logIn(context, url, OPERATORS[name].token) };
}

async function csrfOf(page: Page): Promise<string> {
  return (await page.locator('input[name="csrf"]').first().getAttribute("value"))!;
}

async function waitingId(subject: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(async () => {
      const pending = await worker.storeList<{ id: string; subjectText: string; status: string }>("pending/");
      id = pending.find((p) => p.value.subjectText === subject && p.value.status === "pending")?.value.id;
      return id;
    }, { timeout: 15_000 })
    .toBeDefined();
  return id!;
}

describe("logging in", () => {
  it("GET /admin leads to the login page; every answer carries the CSP and the other headers", async () => {
    const page = await (await chromium.newContext()).newPage();
    const response = await page.goto(`${url}/admin`);
    expect(page.url()).toBe(`${url}/admin/console/login`);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(headers).toMatchObject({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store", "x-frame-options": "DENY" });
    expect(await page.title()).toBe("Log in · Jellyfish console");
    await page.context().close();
  });

  it("a wrong token is refused: 401, no cookie", async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/admin/console/login`);
    await page.getByLabel("Admin token").fill("not-the-token-of-anybody");
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/login") && r.request().method() === "POST"), page.getByRole("button", { name: "Log in" }).click()]);
    expect(response.status()).toBe(401);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
    expect(await context.cookies()).toEqual([]);
    expect(worker.logLines()).toContainEqual(expect.objectContaining({ console: true, outcome: "login-refused" }));
    await context.close();
  });

  it("the right token gives an HttpOnly, SameSite=Strict session cookie on /admin/console that no script sees, and the token appears nowhere", async () => {
    const { context, page } = await operatorPage("approver");
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: "jellyfish_console", path: "/admin/console", httpOnly: true, sameSite: "Strict", secure: false })]);
    expect(cookies[0]!.value).not.toContain(OPERATORS.approver.token);
    expect(cookies[0]!.expires * 1000 - Date.now()).toBeGreaterThan(7.9 * 3600_000);
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(page.url()).not.toContain(OPERATORS.approver.token);
    expect(await page.content()).not.toContain(OPERATORS.approver.token);
    await expect.poll(() => page.locator("header").textContent()).toContain("approver (approver)");

    await page.goto(`${url}/admin/console/login`);
    expect(page.url()).toBe(`${url}/admin/console/`);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});

describe("pending requests", () => {
  it("the approver approves a waiting ir in the browser and openssl cmp finishes with a certificate", async () => {
    const running = heldIr("console-approved");
    const { context, page } = await operatorPage("approver");
    await approveRequest(page, url, "CN=console-approved", { reason: "known device" });
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await mustOpenssl(["verify", "-CAfile", dir.file("ca.pem"), dir.file("console-approved.pem")])).toContain("OK");
    // Recorded and logged as the approver's decision.
    const decision = page.getByRole("region", { name: "Recent decisions" }).locator("tr").filter({ hasText: "CN=console-approved" });
    await expect.poll(() => decision.textContent()).toContain("known device");
    expect(await decision.locator('td[data-label="Decided by"]').textContent()).toBe("approver");
    expect(worker.logLines()).toContainEqual(expect.objectContaining({ operator: "approver", action: "request.approve", outcome: "done" }));
    await context.close();
  });

  it("the read-only operator sees the request but no button, and a POST of its own session is refused 403", async () => {
    const running = heldIr("console-watched");
    const id = await waitingId("CN=console-watched");
    const { context, page } = await operatorPage("reader");
    await page.reload();
    await expect.poll(() => page.locator("tbody").first().textContent()).toContain("CN=console-watched");
    expect(await page.getByRole("button", { name: /^Approve\b/ }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^Reject\b/ }).count()).toBe(0);
    const forged = await context.request.post(`${url}/admin/console/requests/${id}/approve`, { form: { csrf: await csrfOf(page) }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("Not allowed");
    expect(worker.logLines()).toContainEqual(expect.objectContaining({ operator: "reader", action: "request.approve", outcome: "forbidden" }));
    await context.close();

    // The approver rejects it; the device is told why.
    const approver = await operatorPage("approver");
    await rejectRequest(approver.page, url, "CN=console-watched", "not in the asset register");
    const result = await running;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("not in the asset register");
    await approver.context.close();
  });

  it("a POST without the CSRF token, or from another site, is refused 403 and changes nothing", async () => {
    const running = heldIr("console-csrf");
    const id = await waitingId("CN=console-csrf");
    const { context, page } = await operatorPage("approver");
    const csrf = await csrfOf(page);
    const approve = `${url}/admin/console/requests/${id}/approve`;
    expect((await context.request.post(approve, { form: { reason: "x" }, maxRedirects: 0 })).status()).toBe(403);
    expect((await context.request.post(approve, { form: { csrf: "A".repeat(43) }, maxRedirects: 0 })).status()).toBe(403);
    expect((await context.request.post(approve, { form: { csrf }, headers: { origin: "http://evil.example" }, maxRedirects: 0 })).status()).toBe(403);
    expect((await context.request.post(approve, { form: { csrf }, headers: { "sec-fetch-site": "cross-site" }, maxRedirects: 0 })).status()).toBe(403);
    expect((await context.request.post(`${url}/admin/console/login`, { form: { token: OPERATORS.approver.token }, headers: { origin: "http://evil.example" }, maxRedirects: 0 })).status()).toBe(403);
    expect((await worker.storeList<{ status: string }>(`pending/${id}`))[0]!.value.status).toBe("pending");
    await rejectRequest(page, url, "CN=console-csrf", "test over");
    await running;
    await context.close();
  });
});

describe("certificates and end entities", () => {
  it("an entity added in the console gets its code once, and that code enrolls with openssl cmp", async () => {
    const { context, page } = await operatorPage("administrator");
    await page.getByRole("link", { name: "End entities" }).click();
    await page.getByLabel("Username").fill("console-device");
    await page.getByLabel("Subject", { exact: false }).first().fill("CN=console-device,O=Example");
    await page.getByLabel("Subject alternative names").fill("DNS:console-device.example");
    await page.getByRole("button", { name: "Add end entity" }).click();
    const code = (await page.locator("#enrollment-code").textContent())!.trim();
    expect(code.length).toBeGreaterThanOrEqual(16);

    // Reload re-posts the form: the entity exists, so the answer has no code. The list never shows one.
    await page.reload();
    expect(await page.content()).not.toContain(code);
    await page.goto(`${url}/admin/console/entities`);
    expect(await page.content()).not.toContain(code);
    expect(JSON.stringify(await worker.storeList("entity/"))).not.toContain(code);

    const key = await makeKey(dir.file("console-device.key"));
    const result = await opensslCmp([
      "-cmd", "ir", "-server", `${url}/.well-known/cmp/p/devices`, "-ref", "console-device", "-secret", `pass:${code}`, "-newkey", key,
      "-subject", "/CN=console-device/O=Example", "-sans", "console-device.example", "-certout", dir.file("console-device.pem"),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole("row").filter({ hasText: "console-device" }).textContent()).toContain("issued");
    await page.getByRole("link", { name: "1 of console-device" }).click();
    expect(await page.getByRole("region", { name: "Certificates" }).locator("tbody tr").count()).toBe(1);
    await context.close();
  });

  it("certificates: search, detail, PEM download, hold and release, revoke (with who revoked)", async () => {
    const { context, page } = await operatorPage("administrator");
    await page.getByRole("link", { name: "Certificates" }).click();
    await page.getByLabel("Subject contains").fill("console-device");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByRole("region", { name: "Certificates" }).locator("tbody tr");
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole("link").click();
    await page.getByRole("heading", { name: "Certificate" }).waitFor();
    expect(await page.locator("dl").textContent()).toContain("CN=console-device");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download PEM" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^[0-9a-f]+\.pem$/);
    const pem = await readFile((await download.path())!, "utf8");
    expect(pem).toBe(await readFile(dir.file("console-device.pem"), "utf8"));

    await page.getByLabel("Reason").selectOption({ label: "certificateHold (suspend)" });
    await page.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Put on hold");
    expect(await page.locator("dl").textContent()).toContain("on hold");
    const detail = page.url();
    await page.goto(`${url}/admin/console/certificates`);
    await page.getByLabel("Status").selectOption("on hold");
    await page.getByRole("button", { name: "Search" }).click();
    expect(await rows.count()).toBe(1);
    await page.goto(detail);
    await page.getByRole("button", { name: "Release hold" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Hold released");
    expect(await page.locator("dl").textContent()).toContain("confirmed");

    await page.getByLabel("Reason").selectOption({ label: "keyCompromise" });
    await page.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Revoked (keyCompromise)");
    expect(await page.locator("dl").textContent()).toContain("revoked (keyCompromise)");
    expect(await page.locator("dt", { hasText: "Revoked by" }).locator("+ dd").textContent()).toBe("administrator");
    expect(await page.getByRole("button", { name: "Revoke" }).count()).toBe(0);
    await context.close();
  });

  it("reset shows a new code once; remove asks first", async () => {
    const { context, page } = await operatorPage("administrator");
    await page.goto(`${url}/admin/console/entities`);
    await page.getByRole("button", { name: "Reset console-device" }).click();
    expect((await page.locator("#enrollment-code").textContent())!.trim().length).toBeGreaterThanOrEqual(16);
    await page.goto(`${url}/admin/console/entities`);
    await page.getByRole("link", { name: "Remove console-device" }).click();
    await page.getByRole("heading", { name: "Remove end entity console-device?" }).waitFor();
    await page.getByRole("button", { name: "Remove console-device" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Removed end entity console-device");
    expect(await worker.storeList("entity/console-device")).toEqual([]);
    await context.close();
  });

  it("the CA page shows the chain with a PEM download and the CRL, which an administrator regenerates", async () => {
    const { context, page } = await operatorPage("administrator");
    await page.getByRole("link", { name: "CA and CRL" }).click();
    expect(await page.getByRole("region", { name: "Certificate chain" }).textContent()).toContain("CN=Jellyfish Test CA");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the whole chain (PEM)" }).click()]);
    expect(await readFile((await download.path())!, "utf8")).toContain("-----BEGIN CERTIFICATE-----");
    await page.getByRole("button", { name: "Regenerate CRL" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/Signed CRL number \d+ with 1 entries/);
    expect(await page.locator("dl").textContent()).toContain("Number");
    await context.close();

    const reader = await operatorPage("reader");
    await reader.page.goto(`${url}/admin/console/ca`);
    expect(await reader.page.getByRole("button", { name: "Regenerate CRL" }).count()).toBe(0);
    await reader.context.close();
  });
});

describe("accessibility basics", () => {
  it("every page has lang, a title, a skip link to main, a label for every control and scoped table headers", async () => {
    const { context, page } = await operatorPage("administrator");
    for (const path of ["/", "/certificates", "/entities", "/ca"]) {
      await page.goto(`${url}/admin/console${path}`);
      const facts = await page.evaluate<Record<string, unknown>>(`({
        lang: document.documentElement.lang,
        title: document.title,
        skip: document.querySelector("a.skip")?.getAttribute("href"),
        main: !!document.querySelector("main#main"),
        unlabelled: [...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter((e) => e.labels.length === 0).map((e) => e.name),
        unscoped: document.querySelectorAll("th:not([scope])").length,
        h1: document.querySelectorAll("h1").length,
      })`);
      expect(facts, path).toEqual({ lang: "en", title: expect.stringMatching(/ · Jellyfish console$/), skip: "#main", main: true, unlabelled: [], unscoped: 0, h1: 1 });
    }
    await context.close();
  });
});

describe("on a phone", () => {
  it("at 390x844 no page is wider than the screen", async () => {
    const { context, page } = await operatorPage("administrator", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    for (const path of ["/", "/certificates", "/entities", "/ca", "/login"]) {
      await page.goto(`${url}/admin/console${path}`);
      const widths = await page.evaluate<{ page: number; screen: number }>("({ page: document.documentElement.scrollWidth, screen: window.innerWidth })");
      expect(widths.page, path).toBeLessThanOrEqual(widths.screen);
    }
    await context.close();
  });
});
