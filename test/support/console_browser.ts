import type { BrowserContext, Page } from "playwright-core";

/**
 * The browser steps of the web console that more than one test needs (the
 * console's own end-to-end test and the `npm start` acceptance test): log in
 * as an operator, approve or reject the waiting request of a subject.
 */

/** Opens the console at `baseUrl` in a new page of `context` and logs in with `token`; the page shows the pending requests. */
export async function logIn(context: BrowserContext, baseUrl: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Pending requests" }).waitFor();
  return page;
}

/** The row of the waiting request whose subject contains `subject` (e.g. "CN=device-1"), once it is listed; reloads until it is. */
async function requestRow(page: Page, baseUrl: string, subject: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(`${baseUrl}/admin/console/`);
    const row = page.locator("table").first().locator("tbody tr").filter({ hasText: subject });
    if ((await row.count()) > 0) return row.first();
    if (Date.now() > deadline) throw new Error(`no waiting request for ${subject} on the console within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Approves the waiting request for `subject`, with an optional reason; resolves once the console confirms it. */
export async function approveRequest(page: Page, baseUrl: string, subject: string, options: { reason?: string; timeoutMs?: number } = {}): Promise<void> {
  const row = await requestRow(page, baseUrl, subject, options.timeoutMs ?? 15_000);
  const form = row.locator("form").filter({ has: page.getByRole("button", { name: /^Approve\b/ }) });
  if (options.reason) await form.getByLabel("Reason").fill(options.reason);
  await form.getByRole("button", { name: /^Approve\b/ }).click();
  await page.getByRole("status").filter({ hasText: "Approved:" }).filter({ hasText: subject }).waitFor();
}

/** Rejects the waiting request for `subject` with `reason`, which the client will see. */
export async function rejectRequest(page: Page, baseUrl: string, subject: string, reason: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const row = await requestRow(page, baseUrl, subject, options.timeoutMs ?? 15_000);
  const form = row.locator("form").filter({ has: page.getByRole("button", { name: /^Reject\b/ }) });
  await form.getByLabel("Reason").fill(reason);
  await form.getByRole("button", { name: /^Reject\b/ }).click();
  await page.getByRole("status").filter({ hasText: "Rejected:" }).filter({ hasText: subject }).waitFor();
}
