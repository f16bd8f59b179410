import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { loadConfig } from "../../src/config/load.js";
import { configSource } from "../../src/runtime/settings.js";
import { DEV_CONFIG } from "../../scripts/dev_vars.js";
import { BUILT_IN, chooseConfig, StartConfigError } from "../../scripts/start_config_source.js";
import { ROOT } from "../support/npm_start.js";

// Which configuration `npm start` serves, and that wrangler.toml can give
// JELLYFISH_CONFIG as a table now that it no longer sets it to "".

const TABLE = `
[vars.JELLYFISH_CONFIG.profiles.default]
macReferences = ["dev"]

[vars.JELLYFISH_CONFIG.profiles.approved.approval]
hold = "all"
`;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "jellyfish-root-"));
  await writeFile(join(root, "wrangler.toml"), await readFile(join(ROOT, "wrangler.toml"), "utf8"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("wrangler.toml", () => {
  it("sets no JELLYFISH_CONFIG, so the Worker serves its embedded defaults and a table can be added", () => {
    const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") }, { hideWarnings: true });
    expect((config.vars as Record<string, unknown>).JELLYFISH_CONFIG).toBeUndefined();
  });

  it("with a [vars.JELLYFISH_CONFIG] table is accepted by wrangler, and the Worker's loader reads the object it binds", async () => {
    await writeFile(join(root, "wrangler.toml"), (await readFile(join(root, "wrangler.toml"), "utf8")) + TABLE);
    const config = unstable_readConfig({ config: join(root, "wrangler.toml") }, { hideWarnings: true });
    const value = (config.vars as Record<string, unknown>).JELLYFISH_CONFIG;
    expect(value).toEqual({ profiles: { default: { macReferences: ["dev"] }, approved: { approval: { hold: "all" } } } });
    const loaded = loadConfig(configSource({ JELLYFISH_CONFIG: value, CMP_SECRETS: '{"dev":"secret"}' } as never));
    expect([...loaded.profiles.keys()]).toEqual(["default", "approved"]);
    expect(loaded.profiles.get("approved")!.approval.hold).toBe("all");
  });
});

describe("chooseConfig", () => {
  it("takes --config first, resolved against where npm start was typed", async () => {
    await writeFile(join(root, "mine.json"), '{ "profiles": { "a": {} } }');
    await writeFile(join(root, "jellyfish.json"), '{ "profiles": { "b": {} } }');
    const choice = await chooseConfig(root, "mine.json", root);
    expect(choice).toEqual({ origin: "mine.json", value: '{"profiles":{"a":{}}}', writeToDevVars: true });
  });

  it("then jellyfish.json at the top of the repository", async () => {
    await writeFile(join(root, "jellyfish.json"), '{ "profiles": { "b": {} } }');
    await writeFile(join(root, "wrangler.toml"), (await readFile(join(root, "wrangler.toml"), "utf8")) + TABLE);
    expect(await chooseConfig(root, undefined, root)).toMatchObject({ origin: "jellyfish.json", writeToDevVars: true });
  });

  it("then wrangler.toml's [vars], which .dev.vars must then not override", async () => {
    await writeFile(join(root, "wrangler.toml"), (await readFile(join(root, "wrangler.toml"), "utf8")) + TABLE);
    const choice = await chooseConfig(root, undefined, root);
    expect(choice.origin).toBe("wrangler.toml");
    expect(choice.writeToDevVars).toBe(false);
    expect(choice.value).toMatchObject({ profiles: { approved: { approval: { hold: "all" } } } });
  });

  it("else the built-in development profiles", async () => {
    expect(await chooseConfig(root, undefined, root)).toEqual({ origin: BUILT_IN, value: JSON.stringify(DEV_CONFIG), writeToDevVars: true });
  });

  it("names the file that is missing or not JSON", async () => {
    await expect(chooseConfig(root, "absent.json", root)).rejects.toThrow(new StartConfigError("absent.json: cannot read the configuration (ENOENT)"));
    await writeFile(join(root, "broken.json"), "{ profiles");
    await expect(chooseConfig(root, "broken.json", root)).rejects.toThrow(/^broken\.json: not JSON/);
  });
});
