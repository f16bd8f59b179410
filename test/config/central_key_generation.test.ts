import { describe, expect, it } from "vitest";
import { loadConfig, type ConfigSource } from "../../src/config/load.js";

// profiles.<name>.centralKeyGeneration (src/config/load_central_key_generation.ts):
// off unless configured, and every mistake a ConfigError naming the field.

function withProfile(profile: unknown, bindings: Record<string, unknown> = {}): ConfigSource {
  return { JELLYFISH_CONFIG: JSON.stringify({ profiles: { p: profile } }), CMP_SECRETS: JSON.stringify({ dev: "s" }), ...bindings };
}

function profile(value: unknown, bindings?: Record<string, unknown>) {
  return loadConfig(withProfile(value, bindings)).profiles.get("p")!;
}

describe("centralKeyGeneration", () => {
  it("is off by default: no key types", () => {
    expect(profile({}).centralKeyGeneration).toEqual({ keyTypes: new Set(), rsaBits: 2048 });
  });

  it("takes key types, the first as default, RSA bits from rsaMinBits", () => {
    const loaded = profile({ certificate: { rsaMinBits: 3072 }, centralKeyGeneration: { keyTypes: ["P-384", "RSA"] } }).centralKeyGeneration;
    expect(loaded).toMatchObject({ keyTypes: new Set(["P-384", "RSA"]), defaultKeyType: "P-384", rsaBits: 3072 });
  });

  it.each([
    [{ keyTypes: [] }, "p.centralKeyGeneration.keyTypes: must name at least one key type"],
    [{ keyTypes: ["P-192"] }, 'p.centralKeyGeneration.keyTypes: "P-192" is not one of'],
    [{ keyTypes: ["P-256"], defaultKeyType: "RSA" }, "p.centralKeyGeneration.defaultKeyType: must be one of keyTypes"],
    [{ keyTypes: ["RSA"], rsaBits: 1024 }, "p.centralKeyGeneration.rsaBits: must be one of 2048, 3072, 4096"],
    [{ keyTypes: ["RSA"], extra: 1 }, "p.centralKeyGeneration"],
    [{ keyTypes: ["P-256"], signer: { key: "inline PEM", certificates: "env:NOPE" } }, "p.centralKeyGeneration.signer"],
  ])("refuses %j", (value, message) => {
    expect(() => profile({ centralKeyGeneration: value })).toThrow(message);
  });

  it("refuses a key type the certificate profile does not certify", () => {
    expect(() => profile({ certificate: { keyTypes: ["P-256"] }, centralKeyGeneration: { keyTypes: ["RSA"] } })).toThrow(
      'p.centralKeyGeneration.keyTypes: "RSA" is not in this profile\'s certificate.keyTypes',
    );
  });

  it("refuses RSA bits below the profile's rsaMinBits", () => {
    expect(() => profile({ certificate: { rsaMinBits: 3072 }, centralKeyGeneration: { keyTypes: ["RSA"], rsaBits: 2048 } })).toThrow(
      "p.centralKeyGeneration.rsaBits: must be at least certificate.rsaMinBits (3072)",
    );
  });
});
