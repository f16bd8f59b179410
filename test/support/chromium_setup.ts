import { findChromium } from "./chromium.js";

/**
 * The node project's globalSetup for the browser tests: finds Debian's
 * Chromium, or (as root on a clean machine) installs it, once per run, before
 * any test worker starts: test files running side by side would otherwise
 * each start apt-get and fight over dpkg's lock. Workers inherit CHROMIUM.
 * When it cannot be had, CHROMIUM_ERROR carries the reason: every browser
 * test fails with it (findChromium), the other tests are unaffected.
 */
export default function setup(): void {
  try {
    process.env.CHROMIUM = findChromium();
    delete process.env.CHROMIUM_ERROR;
  } catch (error) {
    process.env.CHROMIUM_ERROR = (error as Error).message;
    console.error(`\nChromium is not available; every browser test will fail.\n${process.env.CHROMIUM_ERROR}\n`);
  }
}
