import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { buildCli, type BuiltCli, type CliResult } from "./cli_process.js";
import { FakeAdminApi, type FakeAdminApiOptions } from "./fake_admin_api.js";

/**
 * The built CLI and a fake admin API, wired together: `cli(args)` runs
 * jellyfish with JELLYFISH_URL and JELLYFISH_ADMIN_TOKEN pointing at the fake
 * and checks, on every single run, that the token appears in no output.
 */

export const TOKEN = "adm1n-T0ken-never-print-me";

export interface Harness {
  api: FakeAdminApi;
  url: string;
  built: BuiltCli;
  /** Runs with the default environment, overridden by `env`. */
  cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function startHarness(options: Partial<FakeAdminApiOptions> = {}): Promise<Harness> {
  const api = new FakeAdminApi({ token: TOKEN, ...options });
  const [url, built] = await Promise.all([api.start(), buildCli()]);
  return {
    api,
    url,
    built,
    async cli(args, env = {}) {
      const result = await built.jellyfish(args, { JELLYFISH_URL: url, JELLYFISH_ADMIN_TOKEN: TOKEN, ...env });
      expectNoToken(result);
      return result;
    },
    async stop() {
      await Promise.all([api.stop(), built.remove()]);
    },
  };
}

/**
 * One harness for a test file: started before its tests, stopped after them;
 * before each test the fake's request log is cleared and `reset` runs.
 * The object is filled in by beforeAll, so use it inside tests and hooks.
 */
export function useHarness(reset: (api: FakeAdminApi) => void = () => undefined): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    Object.assign(harness, await startHarness());
  });
  afterAll(async () => {
    await harness.stop?.();
  });
  beforeEach(() => {
    harness.api.requests.length = 0;
    reset(harness.api);
  });
  return harness;
}

export function expectNoToken(result: CliResult, token = TOKEN): void {
  expect(result.stdout).not.toContain(token);
  expect(result.stderr).not.toContain(token);
}
