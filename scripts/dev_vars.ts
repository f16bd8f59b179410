import { chmod, writeFile } from "node:fs/promises";
import type { DevMaterial } from "./dev_ca.js";

/**
 * .dev.vars: the secrets `wrangler dev` binds locally (`npm start` hands it
 * over with --env-file; git-ignored). wrangler reads it as dotenv and then
 * expands `$NAME` in every value, so a `$` is written `\$` (JSON: \u0024).
 * PEM goes in double quotes with \n escapes, which dotenv expands; JSON goes
 * in single quotes, which dotenv leaves alone (a `'` inside is \u0027).
 */

/**
 * The development configuration: the embedded default profile (RA mode, MAC
 * secret "dev") plus a client-mode profile "devices" for trying end-entity
 * registration with one-time enrollment codes (README, "Moving from EJBCA").
 */
export const DEV_CONFIG = { profiles: { default: {}, devices: { mode: "client" } } };

export interface DevVarsOptions {
  /** PUBLIC_BASE_URL: where certificates say their CRL, OCSP responder and CA certificate are (docs/revocation.md). */
  baseUrl?: string;
  /** JELLYFISH_CONFIG as JSON text; absent when wrangler.toml's [vars] gives it (.dev.vars would override it). */
  config?: string;
  /** The "env:NAME" bindings the configuration names, from the environment of `npm start`. */
  bindings?: Readonly<Record<string, string>>;
}

export function renderDevVars(
  material: Pick<DevMaterial, "caKeyPem" | "caCertPem" | "reference" | "secret"> & Partial<Pick<DevMaterial, "adminToken" | "enrollmentCodeKey">>,
  options: DevVarsOptions = {},
): string {
  const secrets = JSON.stringify({ [material.reference]: material.secret });
  if (secrets.includes("'")) throw new Error("the development secret must not contain a single quote");
  return [
    "# Written by `npm start` (scripts/start.ts) from .dev/; development only.",
    `CA_KEY="${escapePem(material.caKeyPem)}"`,
    `CA_CERT="${escapePem(material.caCertPem)}"`,
    `CMP_SECRETS='${jsonValue(secrets)}'`,
    ...(options.config !== undefined ? [`JELLYFISH_CONFIG='${jsonValue(options.config)}'`] : []),
    ...(options.baseUrl ? [`PUBLIC_BASE_URL='${options.baseUrl}'`] : []),
    ...(material.adminToken ? [`ADMIN_TOKEN='${material.adminToken}'`] : []),
    ...(material.enrollmentCodeKey ? [`ENROLLMENT_CODE_KEY='${material.enrollmentCodeKey}'`] : []),
    ...Object.entries(options.bindings ?? {}).map(([name, value]) => `${name}=${bindingValue(name, value)}`),
    "",
  ].join("\n");
}

export async function writeDevVars(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}

function escapePem(pem: string): string {
  return pem.trim().replace(/\r?\n/g, "\\n");
}

/** The same JSON value, with the two characters the dotenv line would misread escaped the JSON way. */
function jsonValue(json: string): string {
  return json.replace(/'/g, "\\u0027").replace(/\$/g, "\\u0024");
}

/** A binding's text (PEM, usually): on one line, in the quotes its characters allow. */
function bindingValue(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${name} cannot be a binding name in .dev.vars`);
  const text = value.replace(/\$/g, "\\$");
  if (!/[\r\n]/.test(text)) {
    if (!text.includes("'")) return `'${text}'`;
  } else if (!/["\\]/.test(value)) {
    return `"${text.replace(/\r?\n/g, "\\n")}"`;
  }
  throw new Error(`the value of ${name} has quotes or backslashes that .dev.vars cannot carry`);
}
