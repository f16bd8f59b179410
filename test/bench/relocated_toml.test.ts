import { describe, expect, it } from "vitest";
import { relocatedToml } from "../../bench/bundle.js";

// The bench writes copies of wrangler.toml under .wrangler/; wrangler resolves
// main and [alias] paths against the config's own directory.
describe("relocatedToml", () => {
  it("moves main and every ./ alias path one directory up, and leaves package aliases alone", () => {
    const toml = ['main = "src/runtime/cloudflare.ts"', "[alias]", '"asn1js" = "./src/runtime/asn1js_absent.ts"', '"@peculiar/utils" = "./src/runtime/peculiar_utils/index.ts"', '"x" = "some-package"'].join("\n");
    expect(relocatedToml(toml).split("\n")).toEqual([
      'main = "../src/runtime/cloudflare.ts"',
      "[alias]",
      '"asn1js" = "../src/runtime/asn1js_absent.ts"',
      '"@peculiar/utils" = "../src/runtime/peculiar_utils/index.ts"',
      '"x" = "some-package"',
    ]);
  });
});
