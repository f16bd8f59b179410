import type { ChildProcess } from "node:child_process";

/**
 * Waits until the CMP endpoint answers as Jellyfish does: GET is not CMP,
 * so the Worker answers 405 with `Allow: POST` (RFC 9811 §3.1). Any other
 * answer is not ours yet (wrangler's own "starting" page) or not ours at all
 * (a server that took the port), and an answer only counts while our
 * wrangler still runs. False if wrangler exits or time runs out first.
 */
export async function waitForWorker(
  url: string,
  child: ChildProcess,
  fetch: typeof globalThis.fetch,
  timeoutMs = 120_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && running(child)) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 405 && /\bPOST\b/i.test(response.headers.get("allow") ?? "") && running(child)) return true;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  if (running(child)) console.error(`${url} did not answer as Jellyfish within ${timeoutMs / 1000} s`);
  return false;
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
