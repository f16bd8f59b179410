import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/**
 * Headless Chromium for the console's browser tests, driven by
 * playwright-core: Debian's package, not a browser playwright downloads.
 * On a clean CI machine (root, nothing installed) it installs the package;
 * where it cannot, findChromium throws and says why, and the tests fail with it.
 */

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

let found: string | undefined;

export function findChromium(): string {
  if (found) return found;
  // The globalSetup (chromium_setup.ts) tried once for the whole run, and says why it failed.
  if (process.env.CHROMIUM_ERROR) throw new Error(process.env.CHROMIUM_ERROR);
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM=${fromEnv}: no such file`);
    return (found = fromEnv);
  }
  const present = CANDIDATES.find((path) => existsSync(path));
  if (present) return (found = present);
  if (process.getuid?.() !== 0) {
    throw new Error("no Chromium: install Debian's chromium (apt-get install chromium) or set CHROMIUM to a Chromium binary; the tests install it themselves only as root");
  }
  install();
  if (!existsSync("/usr/bin/chromium")) throw new Error("apt-get install chromium ran, but /usr/bin/chromium is still missing");
  return (found = "/usr/bin/chromium");
}

function install(): void {
  const apt = (...args: string[]) => execFileSync("apt-get", args, { stdio: "pipe", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  try {
    apt("install", "-y", "--no-install-recommends", "chromium");
  } catch {
    // A clean image has no package lists yet.
    try {
      apt("update");
      apt("install", "-y", "--no-install-recommends", "chromium");
    } catch (error) {
      throw new Error(`no Chromium, and installing Debian's package failed: ${(error as { stderr?: Buffer }).stderr?.toString().slice(-2000) ?? String(error)}`);
    }
  }
}

export interface RunningBrowser {
  browser: Browser;
  /** A new context (cookies of its own), e.g. one per operator. */
  newContext(options?: Parameters<Browser["newContext"]>[0]): Promise<BrowserContext>;
  stop(): Promise<void>;
}

/**
 * Starts headless Chromium. playwright gives it a fresh user-data-dir of its
 * own (it refuses --user-data-dir in args) and deletes it on close.
 */
export async function startChromium(): Promise<RunningBrowser> {
  const executablePath = findChromium();
  const args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  const browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60_000 });
  let stopped: Promise<void> | undefined;
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    stop: () => (stopped ??= browser.close().catch(() => undefined)),
  };
}
