import { decodeCertificatesPem } from "../asn1/pem.js";

/**
 * Reading JSON configuration field by field: each helper checks one shape
 * and, when it is wrong, throws a ConfigError that names the field.
 */

/** Where configuration comes from (see load.ts). */
export interface ConfigSource {
  /** Profiles and limits: JSON text, or the object a wrangler.toml table gives; empty or absent: embedded defaults. */
  JELLYFISH_CONFIG?: string | Record<string, unknown>;
  /** JSON object of MAC secrets by sender reference, e.g. {"dev":"s3cret"} (a secret binding). */
  CMP_SECRETS?: string;
  /** Other bindings, which configuration values of the form "env:NAME" refer to (PEM of anchors and signers). */
  [binding: string]: unknown;
}

export class ConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** A text value, given inline or as "env:NAME" naming a binding (a secret, for keys). */
export function resolveText(value: unknown, field: string, source: ConfigSource): string {
  if (typeof value !== "string" || value === "") throw new ConfigError(field, 'must be PEM text or "env:NAME"');
  if (!value.startsWith("env:")) return value;
  const binding = source[value.slice(4)];
  if (typeof binding !== "string" || binding === "") throw new ConfigError(field, `the binding ${value.slice(4)} is not set`);
  return binding;
}

export function decodeCertificates(pem: string, field: string): Uint8Array[] {
  let certificates: Uint8Array[];
  try {
    certificates = decodeCertificatesPem(pem);
  } catch (error) {
    throw new ConfigError(field, `is not PEM certificates (${(error as Error).message})`);
  }
  if (certificates.length === 0) throw new ConfigError(field, "holds no certificate");
  return certificates;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(field, "must be true or false");
  return value;
}

export function parseJson(text: string | undefined, field: string, secret = false): unknown {
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser quotes the text around the error: never for a secret.
    throw new ConfigError(field, secret ? "is not valid JSON" : `is not valid JSON (${(error as Error).message})`);
  }
}

export function asObject(value: unknown, field: string): Record<string, any> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(field, "must be a JSON object");
  return value as Record<string, any>;
}

export function allowOnly(object: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new ConfigError(`${field}.${key}`, `unknown field (allowed: ${allowed.join(", ")})`);
  }
}

export function integer(value: unknown, field: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(field, `must be an integer of at least ${min}`);
  }
  return value;
}

export function stringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new ConfigError(field, "must be an array of strings");
  }
  return value;
}

/**
 * A signer held outside the CA: `{ "key": "env:NAME", "certificates": PEM or
 * "env:NAME" }`. The key must come from a secret binding, never from
 * JELLYFISH_CONFIG (a plain variable, shown in logs).
 */
export function signerReference(value: unknown, at: string, source: ConfigSource): { keyPem: string; certificatesPem: string } | undefined {
  if (value === undefined) return undefined;
  const signer = asObject(value, at);
  allowOnly(signer, ["key", "certificates"], at);
  const certificatesPem = resolveText(signer.certificates, `${at}.certificates`, source);
  decodeCertificates(certificatesPem, `${at}.certificates`);
  if (typeof signer.key !== "string" || !signer.key.startsWith("env:")) {
    throw new ConfigError(`${at}.key`, 'must be "env:NAME" naming a secret binding that holds the PEM key');
  }
  return { keyPem: resolveText(signer.key, `${at}.key`, source), certificatesPem };
}
