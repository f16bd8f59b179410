import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { makeKey, makeSelfSignedCa, makeTempDir, type TempDir } from "../support/openssl.js";

// The README's complete configuration example must be a configuration the
// loader accepts, with what it says it configures.

const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
let dir: TempDir;
let pem: string;

beforeAll(async () => {
  dir = await makeTempDir();
  await makeKey(dir.file("ca.key"));
  await makeSelfSignedCa(dir.file("ca.pem"), dir.file("ca.key"));
  pem = readFileSync(dir.file("ca.pem"), "utf8");
});
afterAll(() => dir.remove());

it("the README's complete example loads", () => {
  const section = readme.slice(readme.indexOf("A complete example"));
  const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
  const key = readFileSync(dir.file("ca.key"), "utf8");
  const config = loadConfig({
    JELLYFISH_CONFIG: json,
    FACTORY_CA_PEM: pem,
    GATEWAY_RA_PASSWORD: "ra-password",
    CMP_SIGNER_KEY: key,
    CMP_SIGNER_CERT: pem,
  });
  expect(config.defaultProfile).toBe("devices");
  const devices = config.profiles.get("devices")!;
  expect(devices).toMatchObject({ mode: "client", enrollmentCodes: true, paths: ["/ejbca/publicweb/cmp/cmp"] });
  expect(devices.certificate.rsaMinBits).toBe(3072);
  expect(devices.signatureTrust.anchors).toHaveLength(1);
  const gateway = config.profiles.get("gateway-ra")!;
  expect(gateway).toMatchObject({ mode: "ra", responseProtection: "signature" });
  expect(gateway.macSecret).toEqual(new TextEncoder().encode("ra-password"));
});
