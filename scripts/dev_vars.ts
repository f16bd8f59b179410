import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DevMaterial } from "./dev_ca.js";

/**
 * .dev.vars: the secrets `wrangler dev` binds locally (it reads the file as
 * dotenv from the project root; git-ignored). PEM goes in double quotes with
 * \n escapes, which dotenv expands; the JSON goes in single quotes, which
 * dotenv leaves alone.
 */
/**
 * The development configuration: the embedded default profile (RA mode, MAC
 * secret "dev") plus a client-mode profile "devices" for trying end-entity
 * registration with one-time enrollment codes (README, "Moving from EJBCA").
 */
export const DEV_CONFIG = { profiles: { default: {}, devices: { mode: "client" } } };

export function renderDevVars(
  material: Pick<DevMaterial, "caKeyPem" | "caCertPem" | "reference" | "secret"> & Partial<Pick<DevMaterial, "adminToken" | "enrollmentCodeKey">>,
  port?: number,
): string {
  const secrets = JSON.stringify({ [material.reference]: material.secret });
  if (secrets.includes("'")) throw new Error("the development secret must not contain a single quote");
  return [
    "# Written by `npm start` (scripts/start.ts) from .dev/; development only.",
    `CA_KEY="${escapePem(material.caKeyPem)}"`,
    `CA_CERT="${escapePem(material.caCertPem)}"`,
    `CMP_SECRETS='${secrets}'`,
    `JELLYFISH_CONFIG='${JSON.stringify(DEV_CONFIG)}'`,
    // Where certificates say their CRL, OCSP responder and CA certificate are (docs/revocation.md).
    ...(port ? [`PUBLIC_BASE_URL='http://127.0.0.1:${port}'`] : []),
    ...(material.adminToken ? [`ADMIN_TOKEN='${material.adminToken}'`] : []),
    ...(material.enrollmentCodeKey ? [`ENROLLMENT_CODE_KEY='${material.enrollmentCodeKey}'`] : []),
    "",
  ].join("\n");
}

export async function writeDevVars(root: string, material: DevMaterial, port?: number): Promise<string> {
  const path = join(root, ".dev.vars");
  await writeFile(path, renderDevVars(material, port), { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

function escapePem(pem: string): string {
  return pem.trim().replace(/\r?\n/g, "\\n");
}
