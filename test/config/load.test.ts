import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_BODY_TYPES,
  DEFAULT_CERTIFICATE,
  DEFAULT_LIMITS,
  DEFAULT_PROFILE_NAME,
  EXTENDED_KEY_USAGE,
} from "../../src/config/defaults.js";
import { ConfigError, loadConfig, type ConfigSource } from "../../src/config/load.js";
import type { JellyfishConfig, Profile } from "../../src/config/profile.js";
import { makeKey, makeSelfSignedCa, makeTempDir, mustOpenssl, type TempDir } from "../support/openssl.js";

// loadConfig turns JELLYFISH_CONFIG (JSON), CMP_SECRETS (JSON) and "env:NAME"
// bindings into the validated configuration. Every rejection must be a
// ConfigError whose message starts with the path of the offending field, and
// no message may repeat a secret value (the message is logged, and returned
// in the body of the "misconfigured" answer).

// Random-looking values, so that even a fragment of one in a message is a leak.
const SECRETS = { dev: "Xq7#pL9vR2mZ", ra: "Tw4!kN8sYb3D", "üñí": "pä€Wq9üzK5" };
const SECRET_VALUES = Object.values(SECRETS);
const CMP_SECRETS = JSON.stringify(SECRETS);

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** A source with the test secrets and `config` as JELLYFISH_CONFIG. */
function withConfig(config: unknown, bindings: Record<string, unknown> = {}): ConfigSource {
  return { JELLYFISH_CONFIG: JSON.stringify(config), CMP_SECRETS, ...bindings };
}

/** A source whose only profile, "p", is `profile`. */
function withProfile(profile: unknown, bindings: Record<string, unknown> = {}): ConfigSource {
  return withConfig({ profiles: { p: profile } }, bindings);
}

/** Whether `message` holds `secret` or any 6-character piece of it. */
function leaks(message: string, secret: string): boolean {
  if (secret.length <= 6) return message.includes(secret);
  for (let start = 0; start + 6 <= secret.length; start++) if (message.includes(secret.slice(start, start + 6))) return true;
  return false;
}

function only(config: JellyfishConfig, name = "p"): Profile {
  const profile = config.profiles.get(name);
  if (!profile) throw new Error(`no profile ${name}`);
  return profile;
}

/** The ConfigError loadConfig throws for `source`; fails the test when it throws nothing or something else. */
function configError(source: ConfigSource): ConfigError {
  let thrown: unknown;
  try {
    loadConfig(source);
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error("loadConfig accepted the configuration");
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/**
 * Expects loadConfig(source) to fail naming `field` first, optionally with a
 * problem matching `problem`, and without any secret value in the message.
 */
function expectFieldError(source: ConfigSource, field: string, problem?: RegExp, secrets: readonly string[] = SECRET_VALUES): ConfigError {
  const error = configError(source);
  expect(error.name).toBe("ConfigError");
  expect(error.message.startsWith(`${field}: `), `"${error.message}" should start with "${field}: "`).toBe(true);
  if (problem) expect(error.message).toMatch(problem);
  for (const secret of secrets) expect(leaks(error.message, secret), `"${error.message}" leaks a secret`).toBe(false);
  return error;
}

describe("ConfigError", () => {
  it("puts the field first and the problem after it", () => {
    const error = new ConfigError("profiles.p.bodyTypes", "is wrong");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe("profiles.p.bodyTypes: is wrong");
  });
});

describe("defaults (src/config/defaults.ts)", () => {
  it("has the documented limits", () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxRequestBytes: 65_536,
      messageTimeToleranceSeconds: 300,
      macMaxIterations: 10_000,
      transactionTtlSeconds: 3600,
      derMaxDepth: 32,
      derMaxElements: 1024,
      oidMaxArcs: 32,
      oidMaxBytes: 64,
      extraCertsMaxCount: 10,
      extraCertsMaxBytes: 32_768,
      pathMaxIntermediates: 4,
      pathMaxSignatureChecks: 16,
      rsaMaxModulusBits: 8192,
      bodyReadTimeoutSeconds: 10,
    });
    // The defaults pass the loader's own floors.
    expect(DEFAULT_LIMITS.transactionTtlSeconds).toBeGreaterThanOrEqual(2 * DEFAULT_LIMITS.messageTimeToleranceSeconds);
  });

  it("has the documented profile defaults", () => {
    expect(DEFAULT_PROFILE_NAME).toBe("default");
    expect(DEFAULT_BODY_TYPES).toEqual(["ir", "cr", "kur", "p10cr", "rr", "genm", "certConf", "pollReq", "error", "nested"]);
    expect(DEFAULT_CERTIFICATE).toEqual({
      validityDays: 365,
      backdateSeconds: 60,
      keyUsage: ["digitalSignature", "keyEncipherment"],
      extendedKeyUsage: ["clientAuth", "serverAuth"],
    });
  });

  it("maps extendedKeyUsage names to the RFC 5280 / RFC 9483 OIDs", () => {
    expect(EXTENDED_KEY_USAGE).toEqual({
      serverAuth: "1.3.6.1.5.5.7.3.1",
      clientAuth: "1.3.6.1.5.5.7.3.2",
      codeSigning: "1.3.6.1.5.5.7.3.3",
      emailProtection: "1.3.6.1.5.5.7.3.4",
      timeStamping: "1.3.6.1.5.5.7.3.8",
      OCSPSigning: "1.3.6.1.5.5.7.3.9",
      cmcCA: "1.3.6.1.5.5.7.3.27",
      cmcRA: "1.3.6.1.5.5.7.3.28",
      cmKGA: "1.3.6.1.5.5.7.3.32",
    });
  });
});

describe("loadConfig without JELLYFISH_CONFIG", () => {
  function expectDefaultProfile(config: JellyfishConfig, name: string): Profile {
    const profile = only(config, name);
    expect(profile.name).toBe(name);
    expect(profile.certificate).toEqual({
      keyTypes: new Set(["RSA", "P-256", "P-384", "P-521", "Ed25519"]),
      rsaMinBits: 2048,
      subject: { required: [], allowed: [] },
      subjectAltName: { allowed: [], dnsNames: [] },
      policies: [],
      crlDistributionPoints: undefined,
      authorityInfoAccess: undefined,
      validitySeconds: 365 * 24 * 3600,
      backdateSeconds: 60,
      keyUsage: ["digitalSignature", "keyEncipherment"],
      keyUsageOverride: false,
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"],
    });
    expect(profile.implicitConfirm).toBe(true);
    expect([...profile.bodyTypes].sort()).toEqual(["certConf", "cr", "error", "genm", "ir", "kur", "nested", "p10cr", "pollReq", "rr"]);
    expect(profile.responseProtection).toBe("mirror");
    expect(profile.responseSigner).toBeUndefined();
    expect(profile.signatureTrust.thisCa).toBe(true);
    expect(profile.signatureTrust.anchors).toEqual([]);
    expect(profile.registrationAuthority.macReferences.size).toBe(0);
    expect(profile.registrationAuthority.anchors).toEqual([]);
    expect(profile.keyUpdate).toEqual({ allowKeyReuse: false, revokeOldCertificate: false });
    expect(profile.mode).toBe("ra");
    expect(profile.macSecret).toBeUndefined();
    expect(profile.enrollmentCodes).toBe(false);
    expect(profile.username).toEqual({ from: "subject", attribute: "CN" });
    expect(profile.paths).toEqual([]);
    expect(profile.approval).toEqual({ hold: "none", dnsNames: [], revocations: "none", generalMessages: "none", checkAfterSeconds: 10, pendingTtlSeconds: 7 * 86_400 });
    // One certificate profile, named after the CMP profile, the default (RFC 9810 §5.1.1.4 certProfile).
    expect([...profile.certificateProfiles.keys()]).toEqual([profile.name]);
    expect(profile.certificateProfile).toBe(profile.name);
    expect(profile.certificateProfiles.get(profile.name)).toBe(profile.certificate);
    expect(profile.signerRetry).toEqual({ maxAttempts: 5, checkAfterSeconds: 5 });
    expect(profile.confirmation).toEqual({ waitSeconds: 3600, revokeUnconfirmed: false });
    return profile;
  }

  it.each([
    ["absent", {}],
    ["empty", { JELLYFISH_CONFIG: "" }],
    ["blank", { JELLYFISH_CONFIG: " \n\t " }],
    ["an empty object", { JELLYFISH_CONFIG: "{}" }],
  ])("serves one profile \"default\" with the documented defaults when it is %s", (_, config) => {
    const loaded = loadConfig({ ...config, CMP_SECRETS });
    expect([...loaded.profiles.keys()]).toEqual(["default"]);
    expect(loaded.defaultProfile).toBe("default");
    expect(loaded.limits).toEqual(DEFAULT_LIMITS);
    expectDefaultProfile(loaded, "default");
  });

  it("accepts every CMP_SECRETS reference as a MAC secret, as UTF-8 bytes", () => {
    const profile = only(loadConfig({ CMP_SECRETS }), "default");
    expect([...profile.macSecrets.keys()].sort()).toEqual(["dev", "ra", "üñí"].sort());
    expect(profile.macSecrets.get("dev")).toEqual(utf8("Xq7#pL9vR2mZ"));
    expect(profile.macSecrets.get("ra")).toEqual(utf8("Tw4!kN8sYb3D"));
    // Non-ASCII is UTF-8, not Latin-1 or UTF-16: "ä" and "ü" are two octets, "€" three.
    const umlauts = profile.macSecrets.get("üñí")!;
    expect(umlauts).toEqual(utf8("pä€Wq9üzK5"));
    expect(umlauts.length).toBe("pä€Wq9üzK5".length + 1 + 2 + 1);
    expect(umlauts).toBeInstanceOf(Uint8Array);
  });

  it.each([
    ["absent", {}],
    ["empty", { CMP_SECRETS: "" }],
    ["an empty object", { CMP_SECRETS: "{}" }],
  ])("has no MAC secret when CMP_SECRETS is %s", (_, secrets) => {
    expect(only(loadConfig(secrets), "default").macSecrets.size).toBe(0);
  });

  it("gives each load its own limits, not the shared DEFAULT_LIMITS object", () => {
    const config = loadConfig({});
    expect(config.limits).not.toBe(DEFAULT_LIMITS);
    config.limits.maxRequestBytes = 1;
    expect(DEFAULT_LIMITS.maxRequestBytes).toBe(64 * 1024);
    expect(loadConfig({}).limits.maxRequestBytes).toBe(64 * 1024);
  });

  it("fills every omitted field of a configured profile with the same defaults", () => {
    const config = loadConfig(withProfile({}));
    expect(config.defaultProfile).toBe("p");
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    const profile = expectDefaultProfile(config, "p");
    expect(profile.macSecrets.size).toBe(3);
  });
});

describe("loadConfig with configured values", () => {
  it("takes limits, keeping the defaults of those not given", () => {
    const config = loadConfig(withConfig({ limits: { maxRequestBytes: 1024, macMaxIterations: 100 } }));
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxRequestBytes: 1024, macMaxIterations: 100 });
    expect(loadConfig(withConfig({ limits: { bodyReadTimeoutSeconds: 1 } })).limits.bodyReadTimeoutSeconds).toBe(1);
  });

  it("accepts transactionTtlSeconds of exactly twice the messageTime tolerance, and 0 tolerance", () => {
    expect(loadConfig(withConfig({ limits: { messageTimeToleranceSeconds: 60, transactionTtlSeconds: 120 } })).limits)
      .toMatchObject({ messageTimeToleranceSeconds: 60, transactionTtlSeconds: 120 });
    expect(loadConfig(withConfig({ limits: { messageTimeToleranceSeconds: 0, transactionTtlSeconds: 30 } })).limits)
      .toMatchObject({ messageTimeToleranceSeconds: 0, transactionTtlSeconds: 30 });
  });

  it("takes the certificate profile, with named and dotted extendedKeyUsage", () => {
    const profile = only(loadConfig(withProfile({
      certificate: {
        validityDays: 30,
        backdateSeconds: 0,
        keyUsage: ["digitalSignature", "keyAgreement", "cRLSign"],
        extendedKeyUsage: ["codeSigning", "1.3.6.1.4.1.311.20.2.2", "cmKGA", "2.5"],
      },
    })));
    expect(profile.certificate).toEqual({
      keyTypes: new Set(["RSA", "P-256", "P-384", "P-521", "Ed25519"]),
      rsaMinBits: 2048,
      subject: { required: [], allowed: [] },
      subjectAltName: { allowed: [], dnsNames: [] },
      policies: [],
      crlDistributionPoints: undefined,
      authorityInfoAccess: undefined,
      validitySeconds: 30 * 86_400,
      backdateSeconds: 0,
      keyUsage: ["digitalSignature", "keyAgreement", "cRLSign"],
      keyUsageOverride: false,
      extendedKeyUsage: ["1.3.6.1.5.5.7.3.3", "1.3.6.1.4.1.311.20.2.2", "1.3.6.1.5.5.7.3.32", "2.5"],
    });
  });

  it("accepts every key usage name an end-entity certificate may carry and an empty extendedKeyUsage (no EKU extension)", () => {
    const all = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
      "cRLSign", "encipherOnly", "decipherOnly"];
    const profile = only(loadConfig(withProfile({ certificate: { keyUsage: all, extendedKeyUsage: [] } })));
    expect(profile.certificate.keyUsage).toEqual(all);
    expect(profile.certificate.extendedKeyUsage).toEqual([]);
  });

  it("accepts every named extendedKeyUsage purpose", () => {
    const names = Object.keys(EXTENDED_KEY_USAGE);
    const profile = only(loadConfig(withProfile({ certificate: { extendedKeyUsage: names } })));
    expect(profile.certificate.extendedKeyUsage).toEqual(names.map((name) => EXTENDED_KEY_USAGE[name]));
  });

  it("takes bodyTypes, implicitConfirm, responseProtection, signature trust and keyUpdate", () => {
    const profile = only(loadConfig(withProfile({
      bodyTypes: ["ir", "certConf", "genm", "pollReq", "error"],
      implicitConfirm: false,
      responseProtection: "signature",
      signature: { trustThisCa: false },
      keyUpdate: { allowKeyReuse: true, revokeOldCertificate: true },
    })));
    expect([...profile.bodyTypes].sort()).toEqual(["certConf", "error", "genm", "ir", "pollReq"]);
    expect(profile.bodyTypes.has("cr")).toBe(false);
    expect(profile.implicitConfirm).toBe(false);
    expect(profile.responseProtection).toBe("signature");
    expect(profile.signatureTrust).toEqual({ thisCa: false, anchors: [] });
    expect(profile.keyUpdate).toEqual({ allowKeyReuse: true, revokeOldCertificate: true });
  });

  it("limits a profile to its macReferences and an RA to a subset of them", () => {
    const config = loadConfig(withConfig({
      profiles: {
        devices: { macReferences: ["dev", "ra"], ra: { macReferences: ["ra"] } },
        closed: { macReferences: [] },
        open: {},
      },
    }));
    const devices = only(config, "devices");
    expect([...devices.macSecrets.keys()]).toEqual(["dev", "ra"]);
    expect(devices.macSecrets.get("dev")).toEqual(utf8(SECRETS.dev));
    expect([...devices.registrationAuthority.macReferences]).toEqual(["ra"]);
    expect(only(config, "closed").macSecrets.size).toBe(0);
    expect([...only(config, "open").macSecrets.keys()].sort()).toEqual(["dev", "ra", "üñí"].sort());
    expect(only(config, "open").registrationAuthority.macReferences.size).toBe(0);
  });

  it("keeps the profiles in their configured order under their names", () => {
    const config = loadConfig(withConfig({ profiles: { "zeta.v1": {}, alpha_2: {}, "A-b": {}, ["x".repeat(64)]: {} } }));
    expect([...config.profiles.keys()]).toEqual(["zeta.v1", "alpha_2", "A-b", "x".repeat(64)]);
    for (const [name, profile] of config.profiles) expect(profile.name).toBe(name);
  });
});

describe("defaultProfile", () => {
  it("is the one named by defaultProfile", () => {
    expect(loadConfig(withConfig({ defaultProfile: "b", profiles: { a: {}, default: {}, b: {} } })).defaultProfile).toBe("b");
  });

  it('is "default" when there is such a profile and none is named', () => {
    expect(loadConfig(withConfig({ profiles: { a: {}, default: {}, b: {} } })).defaultProfile).toBe("default");
  });

  it("is otherwise the first profile", () => {
    expect(loadConfig(withConfig({ profiles: { zeta: {}, alpha: {} } })).defaultProfile).toBe("zeta");
  });

  it("must name a profile", () => {
    const error = expectFieldError(withConfig({ defaultProfile: "c", profiles: { a: {}, b: {} } }), "defaultProfile");
    expect(error.message).toContain("a, b");
    expectFieldError(withConfig({ defaultProfile: 1, profiles: { a: {} } }), "defaultProfile");
    expectFieldError(withConfig({ defaultProfile: "default", profiles: { a: {} } }), "defaultProfile");
  });
});

describe("validation errors name their field", () => {
  it.each<[string, ConfigSource, string, RegExp?]>([
    ["JELLYFISH_CONFIG that is not JSON", { JELLYFISH_CONFIG: "{profiles: {}}", CMP_SECRETS }, "JELLYFISH_CONFIG", /not valid JSON/],
    ["JELLYFISH_CONFIG that is truncated JSON", { JELLYFISH_CONFIG: '{"profiles": {', CMP_SECRETS }, "JELLYFISH_CONFIG", /not valid JSON/],
    ["JELLYFISH_CONFIG that is an array", { JELLYFISH_CONFIG: "[]", CMP_SECRETS }, "JELLYFISH_CONFIG", /JSON object/],
    ["CMP_SECRETS with a trailing comma", { CMP_SECRETS: `{"dev": "${SECRETS.dev}",}` }, "CMP_SECRETS", /not valid JSON/],
    ["CMP_SECRETS that is truncated", { CMP_SECRETS: `{"dev": "${SECRETS.dev}"` }, "CMP_SECRETS", /not valid JSON/],
    ["CMP_SECRETS that is an array", { CMP_SECRETS: `["${SECRETS.dev}"]` }, "CMP_SECRETS", /JSON object/],
    ["CMP_SECRETS that is a bare string", { CMP_SECRETS: `"${SECRETS.dev}"` }, "CMP_SECRETS", /JSON object/],
    ["an unknown top-level field", withConfig({ profile: {} }), "JELLYFISH_CONFIG.profile", /unknown field/],
    ["limits that are not an object", withConfig({ limits: 5 }), "limits", /JSON object/],
    ["an unknown limits field", withConfig({ limits: { maxRequestSize: 2048 } }), "limits.maxRequestSize", /unknown field/],
    ["profiles that are not an object", withConfig({ profiles: ["a"] }), "profiles", /JSON object/],
    ["no profile at all", withConfig({ profiles: {} }), "profiles", /at least one/],
    ["a profile that is not an object", withConfig({ profiles: { p: true } }), "profiles.p", /JSON object/],
    ["an unknown profile field", withProfile({ bodyType: ["ir"] }), "profiles.p.bodyType", /unknown field/],
    ["an unknown certificate field", withProfile({ certificate: { validity: 10 } }), "profiles.p.certificate.validity", /unknown field/],
    ["an unknown signature field", withProfile({ signature: { trustAnchor: [] } }), "profiles.p.signature.trustAnchor", /unknown field/],
    ["an unknown ra field", withProfile({ ra: { anchors: [] } }), "profiles.p.ra.anchors", /unknown field/],
    ["an unknown keyUpdate field", withProfile({ keyUpdate: { reuseKey: true } }), "profiles.p.keyUpdate.reuseKey", /unknown field/],
    ["an unknown responseSigner field", withProfile({ responseSigner: { cert: "env:CERTS" } }), "profiles.p.responseSigner.cert", /unknown field/],
    ["macReferences naming an unknown secret", withProfile({ macReferences: ["dev", "nobody"] }), "profiles.p.macReferences", /"nobody" has no secret/],
    ["macReferences that are not an array", withProfile({ macReferences: "dev" }), "profiles.p.macReferences", /array of strings/],
    ["macReferences without CMP_SECRETS", { JELLYFISH_CONFIG: JSON.stringify({ profiles: { p: { macReferences: ["dev"] } } }) }, "profiles.p.macReferences", /"dev"/],
    ["ra.macReferences outside the profile's", withProfile({ macReferences: ["dev"], ra: { macReferences: ["ra"] } }), "profiles.p.ra.macReferences", /"ra" is not a MAC reference/],
    ["ra.macReferences naming no secret", withProfile({ ra: { macReferences: ["nobody"] } }), "profiles.p.ra.macReferences", /"nobody"/],
    ["an unknown keyUsage", withProfile({ certificate: { keyUsage: ["digitalSignature", "sign"] } }), "profiles.p.certificate.keyUsage", /"sign" is not one of/],
    ["a keyUsage in the wrong case", withProfile({ certificate: { keyUsage: ["DigitalSignature"] } }), "profiles.p.certificate.keyUsage", /"DigitalSignature"/],
    ["keyUsage that is not an array", withProfile({ certificate: { keyUsage: "digitalSignature" } }), "profiles.p.certificate.keyUsage", /array of strings/],
    ["keyCertSign, which needs cA TRUE", withProfile({ certificate: { keyUsage: ["digitalSignature", "keyCertSign"] } }), "profiles.p.certificate.keyUsage", /cA TRUE/],
    ["keyUsageOverride that is not a boolean", withProfile({ certificate: { keyUsageOverride: "yes" } }), "profiles.p.certificate.keyUsageOverride", /true or false/],
    ["an unknown EKU name", withProfile({ certificate: { extendedKeyUsage: ["clientauth"] } }), "profiles.p.certificate.extendedKeyUsage", /"clientauth" is neither/],
    ["an EKU OID with a trailing dot", withProfile({ certificate: { extendedKeyUsage: ["1.3.6."] } }), "profiles.p.certificate.extendedKeyUsage", /"1\.3\.6\."/],
    ["an EKU OID of one arc", withProfile({ certificate: { extendedKeyUsage: ["1"] } }), "profiles.p.certificate.extendedKeyUsage", /"1"/],
    ["an EKU OID with an empty arc", withProfile({ certificate: { extendedKeyUsage: ["1..3"] } }), "profiles.p.certificate.extendedKeyUsage", /"1\.\.3"/],
    ["an EKU with a prefix", withProfile({ certificate: { extendedKeyUsage: ["oid:1.2.3"] } }), "profiles.p.certificate.extendedKeyUsage", /"oid:1\.2\.3"/],
    // Names are looked up in a plain object: its inherited members are no purposes.
    ["an EKU named constructor", withProfile({ certificate: { extendedKeyUsage: ["constructor"] } }), "profiles.p.certificate.extendedKeyUsage", /"constructor" is neither/],
    ["an EKU named toString", withProfile({ certificate: { extendedKeyUsage: ["toString"] } }), "profiles.p.certificate.extendedKeyUsage", /"toString" is neither/],
    ["an EKU that is not a string", withProfile({ certificate: { extendedKeyUsage: [1.3] } }), "profiles.p.certificate.extendedKeyUsage", /array of strings/],
    ["validityDays of 0", withProfile({ certificate: { validityDays: 0 } }), "profiles.p.certificate.validityDays", /at least 1/],
    ["fractional validityDays", withProfile({ certificate: { validityDays: 1.5 } }), "profiles.p.certificate.validityDays", /integer/],
    ["negative backdateSeconds", withProfile({ certificate: { backdateSeconds: -1 } }), "profiles.p.certificate.backdateSeconds", /at least 0/],
    ["a bodyType that is no PKIBody type", withProfile({ bodyTypes: ["ir", "enroll"] }), "profiles.p.bodyTypes", /"enroll" is not a PKIBody type/],
    ["a bodyType in the wrong case", withProfile({ bodyTypes: ["IR"] }), "profiles.p.bodyTypes", /"IR" is not a PKIBody type/],
    ["bodyType ip (a response)", withProfile({ bodyTypes: ["ir", "ip"] }), "profiles.p.bodyTypes", /"ip" is not a request a client sends/],
    ["bodyType pkiconf (a response)", withProfile({ bodyTypes: ["pkiconf"] }), "profiles.p.bodyTypes", /"pkiconf" is not a request/],
    ["bodyType krr (not served)", withProfile({ bodyTypes: ["krr"] }), "profiles.p.bodyTypes", /"krr" is not a request/],
    ["bodyTypes that are not an array", withProfile({ bodyTypes: "ir" }), "profiles.p.bodyTypes", /array of strings/],
    ["implicitConfirm as a string", withProfile({ implicitConfirm: "true" }), "profiles.p.implicitConfirm", /true or false/],
    ["implicitConfirm as a number", withProfile({ implicitConfirm: 1 }), "profiles.p.implicitConfirm", /true or false/],
    ["responseProtection mac", withProfile({ responseProtection: "mac" }), "profiles.p.responseProtection", /"mirror" or "signature"/],
    ["responseProtection in the wrong case", withProfile({ responseProtection: "Signature" }), "profiles.p.responseProtection", /"mirror" or "signature"/],
    ["signature.trustThisCa as a string", withProfile({ signature: { trustThisCa: "yes" } }), "profiles.p.signature.trustThisCa", /true or false/],
    ["keyUpdate.allowKeyReuse as a number", withProfile({ keyUpdate: { allowKeyReuse: 0 } }), "profiles.p.keyUpdate.allowKeyReuse", /true or false/],
    ["keyUpdate.revokeOldCertificate as a string", withProfile({ keyUpdate: { revokeOldCertificate: "no" } }), "profiles.p.keyUpdate.revokeOldCertificate", /true or false/],
    ["certificate that is not an object", withProfile({ certificate: [] }), "profiles.p.certificate", /JSON object/],
    ["ra that is not an object", withProfile({ ra: "dev" }), "profiles.p.ra", /JSON object/],
    ["macMaxIterations below 100", withConfig({ limits: { macMaxIterations: 99 } }), "limits.macMaxIterations", /at least 100/],
    ["derMaxElements too low for any real message", withConfig({ limits: { derMaxElements: 10 } }), "limits.derMaxElements", /at least 256/],
    ["extraCertsMaxCount of 0", withConfig({ limits: { extraCertsMaxCount: 0 } }), "limits.extraCertsMaxCount", /at least 1/],
    ["maxRequestBytes below 1024", withConfig({ limits: { maxRequestBytes: 1023 } }), "limits.maxRequestBytes", /at least 1024/],
    ["bodyReadTimeoutSeconds of 0", withConfig({ limits: { bodyReadTimeoutSeconds: 0 } }), "limits.bodyReadTimeoutSeconds", /at least 1/],
    ["transactionTtlSeconds below twice the tolerance", withConfig({ limits: { messageTimeToleranceSeconds: 300, transactionTtlSeconds: 599 } }), "limits.transactionTtlSeconds", /twice/],
    ["transactionTtlSeconds below twice the default tolerance", withConfig({ limits: { transactionTtlSeconds: 599 } }), "limits.transactionTtlSeconds", /twice/],
    ["a tolerance raised past half the default TTL", withConfig({ limits: { messageTimeToleranceSeconds: 1801 } }), "limits.transactionTtlSeconds", /twice/],
    ["a negative limit", withConfig({ limits: { messageTimeToleranceSeconds: -1 } }), "limits.messageTimeToleranceSeconds", /integer/],
    ["a fractional limit", withConfig({ limits: { maxRequestBytes: 2048.5 } }), "limits.maxRequestBytes", /integer/],
    ["a limit given as a string", withConfig({ limits: { macMaxIterations: "1000" } }), "limits.macMaxIterations", /integer/],
    ["an unsafe integer limit", withConfig({ limits: { maxRequestBytes: 2 ** 53 } }), "limits.maxRequestBytes", /integer/],
  ])("%s", (_, source, field, problem) => {
    expectFieldError(source, field, problem);
  });

  it.each([
    ["with a space", "my profile"],
    ["with a slash", "a/b"],
    ["empty", ""],
    ["of 65 characters", "x".repeat(65)],
    ["with a non-ASCII letter", "prüfung"],
    ["with a percent sign", "a%2Fb"],
    // URLs normalize these segments away: /.well-known/cmp/p/.. is /.well-known/cmp/.
    ["of one dot", "."],
    ["of two dots", ".."],
  ])("rejects a profile name %s", (_, name) => {
    expectFieldError(withConfig({ profiles: { ok: {}, [name]: {} } }), `profiles.${name}`, /profile names/);
  });

  it.each([
    ["empty", ""],
    ["a number", 42],
    ["null", null],
    ["true", true],
    ["an object", { nested: SECRET_VALUES[0] }],
    ["an array", [SECRET_VALUES[0]]],
  ])("rejects a CMP_SECRETS value that is %s, without echoing it", (_, value) => {
    const source = { CMP_SECRETS: JSON.stringify({ ...SECRETS, dev: value }) };
    const error = expectFieldError(source, "CMP_SECRETS.dev", /non-empty string/);
    expect(error.message).not.toContain("nested");
  });

  it("does not echo a secret value when CMP_SECRETS is invalid JSON", () => {
    // Typical typos: an unquoted value (first or after another), single
    // quotes, a missing comma.
    // V8's JSON.parse messages quote the text they could not parse, so
    // passing them on would put the secret into the log and into the
    // "misconfigured" answer of every request.
    for (const text of [
      `{"dev": ${SECRETS.dev}}`,
      `{"ra": "${SECRETS.ra}", "dev": ${SECRETS.dev}}`,
      `{'dev': '${SECRETS.dev}'}`,
      `{"dev": "${SECRETS.dev}" "ra": "${SECRETS.ra}"}`,
    ]) {
      expectFieldError({ CMP_SECRETS: text }, "CMP_SECRETS", /not valid JSON/);
    }
  });

  it("checks CMP_SECRETS before the profiles refer to it", () => {
    // A broken secret binding is reported as such, not as a macReferences problem.
    const source = { JELLYFISH_CONFIG: JSON.stringify({ profiles: { p: { macReferences: ["dev"] } } }), CMP_SECRETS: '{"dev": ""}' };
    expectFieldError(source, "CMP_SECRETS.dev");
  });
});

describe("trust anchors and response signers", () => {
  let dir: TempDir;
  const pem: Record<string, string> = {};
  const der: Record<string, Uint8Array> = {};
  let keyPem: string;

  beforeAll(async () => {
    dir = await makeTempDir("jellyfish-config-");
    for (const name of ["one", "two", "three"]) {
      const key = await makeKey(dir.file(`${name}.key`), "P-256");
      await makeSelfSignedCa(dir.file(`${name}.pem`), key, `/CN=Config Test CA ${name}`);
      await mustOpenssl(["x509", "-in", dir.file(`${name}.pem`), "-outform", "DER", "-out", dir.file(`${name}.der`)]);
      pem[name] = await readFile(dir.file(`${name}.pem`), "utf8");
      der[name] = new Uint8Array(await readFile(dir.file(`${name}.der`)));
    }
    keyPem = await readFile(dir.file("one.key"), "utf8");
  });
  afterAll(async () => {
    await dir?.remove();
  });

  /** The base64 body of a PEM, which must not show up in messages. */
  function pemBody(text: string): string {
    return text.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
  }

  it("resolves inline PEM and env: bindings into DER anchors of signature and ra trust", () => {
    const config = loadConfig(withConfig(
      {
        trustAnchors: { inline: pem.one, bundle: "env:FACTORY_CAS", unused: "env:UNUSED_CA" },
        profiles: {
          p: { signature: { trustAnchors: ["inline", "bundle"] }, ra: { trustAnchors: ["bundle"] } },
          q: {},
        },
      },
      { FACTORY_CAS: `Factory CAs\n${pem.two}subject=CN = three\n${pem.three}`, UNUSED_CA: pem.three },
    ));
    const profile = only(config, "p");
    expect(profile.signatureTrust.thisCa).toBe(true);
    expect(profile.signatureTrust.anchors).toEqual([der.one, der.two, der.three]);
    expect(profile.registrationAuthority.anchors).toEqual([der.two, der.three]);
    for (const anchor of profile.signatureTrust.anchors) expect(anchor).toBeInstanceOf(Uint8Array);
    expect(only(config, "q").signatureTrust.anchors).toEqual([]);
    expect(only(config, "q").registrationAuthority.anchors).toEqual([]);
  });

  it("lets an RA be trusted by anchor alone, with signature trust limited to this CA", () => {
    const profile = only(loadConfig(withConfig({
      trustAnchors: { ra: pem.two },
      profiles: { p: { signature: { trustThisCa: false }, ra: { trustAnchors: ["ra"] } } },
    })));
    expect(profile.signatureTrust).toEqual({ thisCa: false, anchors: [] });
    expect(profile.registrationAuthority.anchors).toEqual([der.two]);
  });

  it.each<[string, () => ConfigSource, string, RegExp]>([
    ["a missing binding", () => withConfig({ trustAnchors: { factory: "env:FACTORY_CA" } }), "trustAnchors.factory", /FACTORY_CA is not set/],
    ["an empty binding", () => withConfig({ trustAnchors: { factory: "env:FACTORY_CA" } }, { FACTORY_CA: "" }), "trustAnchors.factory", /FACTORY_CA is not set/],
    ["a binding that is not text", () => withConfig({ trustAnchors: { factory: "env:FACTORY_CA" } }, { FACTORY_CA: { get() {} } }), "trustAnchors.factory", /FACTORY_CA is not set/],
    ["inline text that is not PEM", () => withConfig({ trustAnchors: { factory: "not a certificate" } }), "trustAnchors.factory", /not PEM certificates/],
    ["a binding that is not PEM", () => withConfig({ trustAnchors: { factory: "env:FACTORY_CA" } }, { FACTORY_CA: "MIIB..." }), "trustAnchors.factory", /not PEM certificates/],
    ["PEM without a certificate", () => withConfig({ trustAnchors: { factory: "env:FACTORY_CA" } }, { FACTORY_CA: keyPem }), "trustAnchors.factory", /not PEM certificates/],
    ["an anchor that is not a string", () => withConfig({ trustAnchors: { factory: ["env:FACTORY_CA"] } }), "trustAnchors.factory", /PEM text or "env:NAME"/],
    ["an empty anchor", () => withConfig({ trustAnchors: { factory: "" } }), "trustAnchors.factory", /PEM text or "env:NAME"/],
    ["trustAnchors that are not an object", () => withConfig({ trustAnchors: [pem.one] }), "trustAnchors", /JSON object/],
    ["signature trust of an undefined anchor", () => withConfig({ trustAnchors: { one: pem.one }, profiles: { p: { signature: { trustAnchors: ["one", "two"] } } } }), "profiles.p.signature.trustAnchors", /"two" is not defined in trustAnchors/],
    ["ra trust of an undefined anchor", () => withConfig({ profiles: { p: { ra: { trustAnchors: ["one"] } } } }), "profiles.p.ra.trustAnchors", /"one" is not defined/],
    ["signature.trustAnchors that are not an array", () => withConfig({ trustAnchors: { one: pem.one }, profiles: { p: { signature: { trustAnchors: "one" } } } }), "profiles.p.signature.trustAnchors", /array of strings/],
  ])("rejects %s, naming the field", (_, source, field, problem) => {
    const error = expectFieldError(source(), field, problem, [...SECRET_VALUES, pemBody(keyPem)]);
    expect(error.message).not.toContain(pemBody(keyPem).slice(0, 40));
  });

  it("resolves a responseSigner from env: bindings to PEM text", () => {
    const certificatesPem = pem.two + pem.one;
    const profile = only(loadConfig(withProfile(
      { responseProtection: "signature", responseSigner: { key: "env:SIGNER_KEY", certificates: "env:SIGNER_CERTS" } },
      { SIGNER_KEY: keyPem, SIGNER_CERTS: certificatesPem },
    )));
    expect(profile.responseSigner).toEqual({ keyPem, certificatesPem });
    expect(profile.responseProtection).toBe("signature");
  });

  it("accepts responseSigner certificates inline, but the key only from a binding", () => {
    const profile = only(loadConfig(withProfile({ responseSigner: { key: "env:SIGNER_KEY", certificates: pem.one } }, { SIGNER_KEY: keyPem })));
    expect(profile.responseSigner).toEqual({ keyPem, certificatesPem: pem.one });
    expectFieldError(withProfile({ responseSigner: { key: keyPem, certificates: pem.one } }), "profiles.p.responseSigner.key", /secret binding/, [pemBody(keyPem)]);
  });

  it.each<[string, () => ConfigSource, string, RegExp]>([
    ["a missing key binding", () => withProfile({ responseSigner: { key: "env:SIGNER_KEY", certificates: "env:SIGNER_CERTS" } }, { SIGNER_CERTS: pem.one }), "profiles.p.responseSigner.key", /SIGNER_KEY is not set/],
    ["a missing certificates binding", () => withProfile({ responseSigner: { key: "env:SIGNER_KEY", certificates: "env:SIGNER_CERTS" } }, { SIGNER_KEY: keyPem }), "profiles.p.responseSigner.certificates", /SIGNER_CERTS is not set/],
    ["no key", () => withProfile({ responseSigner: { certificates: pem.one } }), "profiles.p.responseSigner.key", /"env:NAME" naming a secret binding/],
    ["no certificates", () => withProfile({ responseSigner: { key: "env:SIGNER_KEY" } }, { SIGNER_KEY: keyPem }), "profiles.p.responseSigner.certificates", /PEM text or "env:NAME"/],
    ["certificates that are the key", () => withProfile({ responseSigner: { key: "env:SIGNER_KEY", certificates: "env:SIGNER_KEY" } }, { SIGNER_KEY: keyPem }), "profiles.p.responseSigner.certificates", /not PEM certificates/],
    ["a responseSigner that is not an object", () => withProfile({ responseSigner: "env:SIGNER_KEY" }, { SIGNER_KEY: keyPem }), "profiles.p.responseSigner", /JSON object/],
  ])("rejects a responseSigner with %s, naming the field and not the key", (_, source, field, problem) => {
    const error = expectFieldError(source(), field, problem, [...SECRET_VALUES, pemBody(keyPem)]);
    for (const line of keyPem.split("\n").filter((line) => line && !line.startsWith("-----"))) {
      expect(error.message).not.toContain(line);
    }
  });
});

describe("extra paths", () => {
  it("may not take a path the server serves itself, /health included (src/http/health.ts answers it before any profile)", () => {
    for (const path of ["/health", "/health/x", "/admin", "/ocsp"]) {
      expectFieldError(withProfile({ paths: [path] }), "profiles.p.paths", /is reserved/);
    }
  });
});

describe("JELLYFISH_CONFIG as an object", () => {
  it("takes the object a [vars.JELLYFISH_CONFIG] table in wrangler.toml binds, as it takes JSON text", () => {
    const config = { profiles: { client: { mode: "client", paths: ["/ejbca/publicweb/cmp/c"] } } };
    const fromObject = loadConfig({ JELLYFISH_CONFIG: config });
    const fromText = loadConfig({ JELLYFISH_CONFIG: JSON.stringify(config) });
    expect(fromObject).toEqual(fromText);
    expect(fromObject.profiles.get("client")?.paths).toEqual(["/ejbca/publicweb/cmp/c"]);
  });
});

describe("certificate profiles (RFC 9810 §5.1.1.4 certProfile) and approval of rr and genm", () => {
  it("certificateProfiles with defaultCertificateProfile: every one loaded, the default in effect", () => {
    const profile = only(
      loadConfig(
        withProfile({
          certificateProfiles: { "tls-server": { validityDays: 90 }, "tls-client": { validityDays: 30, extendedKeyUsage: ["clientAuth"] } },
          defaultCertificateProfile: "tls-client",
          approval: { revocations: "registrationAuthority", generalMessages: "all" },
        }),
      ),
    );
    expect([...profile.certificateProfiles.keys()]).toEqual(["tls-server", "tls-client"]);
    expect(profile.certificateProfile).toBe("tls-client");
    expect(profile.certificate.validitySeconds).toBe(30 * 86_400);
    expect(profile.certificateProfiles.get("tls-server")!.validitySeconds).toBe(90 * 86_400);
    expect(profile.approval).toMatchObject({ revocations: "registrationAuthority", generalMessages: "all" });
  });

  it("one certificate profile needs no defaultCertificateProfile", () => {
    expect(only(loadConfig(withProfile({ certificateProfiles: { only: {} } }))).certificateProfile).toBe("only");
  });

  it.each([
    ["certificate and certificateProfiles together", { certificate: {}, certificateProfiles: { a: {} } }, "profiles.p.certificate", "not both"],
    ["no certificate profile", { certificateProfiles: {} }, "profiles.p.certificateProfiles", "at least one"],
    ["a name with a space", { certificateProfiles: { "tls server": {} } }, "profiles.p.certificateProfiles", "is not a certificate profile name"],
    ["several and no default", { certificateProfiles: { a: {}, b: {} } }, "profiles.p.defaultCertificateProfile", "one of a, b"],
    ["a default not offered", { certificateProfiles: { a: {} }, defaultCertificateProfile: "b" }, "profiles.p.defaultCertificateProfile", "must be one of a"],
    ["a default without certificateProfiles", { defaultCertificateProfile: "a" }, "profiles.p.defaultCertificateProfile", "does not have"],
    ["a bad field inside one", { certificateProfiles: { a: { validityDays: 0 } } }, "profiles.p.certificateProfiles.a.validityDays", ""],
    ["approval.revocations unknown", { approval: { revocations: "some" } }, "profiles.p.approval.revocations", '"registrationAuthority"'],
    ["approval.generalMessages unknown", { approval: { generalMessages: true } }, "profiles.p.approval.generalMessages", '"none" or "all"'],
  ])("rejects %s, naming the field", (_, profile, field, problem) => {
    const error = configError(withProfile(profile));
    expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
    expect(error.message).toContain(problem);
  });
});
