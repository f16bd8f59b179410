import { describe, expect, it } from "vitest";
import { renderDevVars } from "../../scripts/dev_vars.js";

const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\nAwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBfz\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBaa\n-----END CERTIFICATE-----\n";

/** The subset of dotenv that wrangler applies to .dev.vars and that renderDevVars relies on. */
function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_]+)=(?:"(.*)"|'(.*)')$/.exec(line);
    if (match) out[match[1]!] = match[2] !== undefined ? match[2].replace(/\\n/g, "\n") : match[3]!;
  }
  return out;
}

describe("renderDevVars", () => {
  it("carries the PEM (with its chain) and the secrets JSON through dotenv quoting", () => {
    const text = renderDevVars({ caKeyPem: PEM_KEY, caCertPem: PEM_CERT, reference: "dev", secret: "abc_DEF-123" });
    const vars = parseDotenv(text);
    expect(vars.CA_KEY).toBe(PEM_KEY.trim());
    expect(vars.CA_CERT).toBe(PEM_CERT.trim());
    expect(JSON.parse(vars.CMP_SECRETS!)).toEqual({ dev: "abc_DEF-123" });
    // Every value sits on one line: dotenv's multi-line forms are not needed.
    expect(text.split("\n").filter((l) => l.startsWith("CA_") || l.startsWith("CMP_"))).toHaveLength(3);
  });

  it("refuses a secret that would break the single quotes", () => {
    expect(() => renderDevVars({ caKeyPem: PEM_KEY, caCertPem: PEM_CERT, reference: "dev", secret: "it's" })).toThrow(/single quote/);
  });
});

describe("renderDevVars with a configuration and its bindings", () => {
  const material = { caKeyPem: PEM_KEY, caCertPem: PEM_CERT, reference: "dev", secret: "abc" };

  it("carries JSON with quotes and dollars, and multi-line bindings, through dotenv and wrangler's $ expansion", () => {
    const config = JSON.stringify({ profiles: { "o'brien": { certificate: { subject: "$HOME" } } } });
    const text = renderDevVars(material, { config, bindings: { FACTORY_PEM: PEM_CERT, PLAIN: "cost $5" }, baseUrl: "https://127.0.0.1:8787" });
    const vars = parseDotenv(text);
    expect(JSON.parse(vars.JELLYFISH_CONFIG!)).toEqual(JSON.parse(config));
    expect(vars.JELLYFISH_CONFIG).not.toMatch(/['$]/);
    // wrangler's dotenv-expand turns \$ back into $ and leaves the rest.
    expect(vars.FACTORY_PEM!.replace(/\\\$/g, "$")).toBe(PEM_CERT);
    expect(vars.PLAIN).toBe("cost \\$5");
    expect(vars.PUBLIC_BASE_URL).toBe("https://127.0.0.1:8787");
  });

  it("leaves JELLYFISH_CONFIG out when wrangler.toml gives it", () => {
    expect(renderDevVars(material, {})).not.toContain("JELLYFISH_CONFIG");
  });
});
