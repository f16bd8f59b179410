import { isAbsolute, join, relative } from "node:path";
import type { DevMaterial } from "./dev_ca.js";
import type { DevTls } from "./dev_tls.js";
import type { ProfileSummary } from "./start_config.js";

/**
 * What `npm start` prints once the Worker answers: where it listens, which
 * configuration it serves, where the material is, and command lines that
 * work as printed from the repository folder.
 */

export interface BannerFacts {
  /** http://127.0.0.1:8787 or https://127.0.0.1:8787. */
  origin: string;
  /** The file, "wrangler.toml" or "built-in development profiles". */
  configOrigin: string;
  profiles: readonly ProfileSummary[];
  /** With --https: the TLS material, whose CA the clients must trust. */
  tls?: DevTls;
}

/**
 * `npx --no-install`: only this checkout's `jellyfish` (package.json `bin`);
 * outside it, npx refuses instead of fetching an unrelated package of that
 * name from the registry.
 */
export const CLI = "npx --no-install jellyfish";

export function devBanner(root: string, material: DevMaterial, facts: BannerFacts): string {
  const endpoint = `${facts.origin}/.well-known/cmp`;
  const rel = (path: string) => {
    const shown = relative(root, path);
    return shown.startsWith("..") || isAbsolute(shown) ? path : shown;
  };
  // What the printed commands write lands in .dev/ too, so trying them leaves the checkout clean.
  const out = (name: string) => rel(join(material.dir, name));
  const tlsOptions = facts.tls ? ` -tls_used -tls_trusted ${rel(facts.tls.caCertPath)}` : "";
  const cacert = facts.tls ? ` JELLYFISH_CACERT=${rel(facts.tls.caCertPath)}` : "";
  const width = Math.max(...facts.profiles.map((p) => p.name.length));
  // Registering an end entity only makes sense where a client-mode profile takes its enrollment code.
  const clientProfile = facts.profiles.find((p) => p.mode === "client");
  return [
    "",
    "Jellyfish development server",
    `  endpoint:        ${endpoint}`,
    ...(facts.tls ? [`  TLS:             ${rel(facts.tls.serverCertPath)}, issued by the local TLS CA ${rel(facts.tls.caCertPath)}`] : []),
    `  configuration:   ${facts.configOrigin}`,
    ...facts.profiles.map((p) => `    ${p.name.padEnd(width)}  ${`${p.mode} mode`.padEnd(11)}  ${p.paths.map((path) => facts.origin + path).join("  ")}`),
    `  CA certificate:  ${rel(material.caCertPath)}   (key: ${rel(material.caKeyPath)})`,
    `  MAC secret:      ${rel(material.secretPath)}   (reference "${material.reference}")`,
    "",
    "Enroll a certificate (from this folder):",
    `  openssl cmp -cmd ir -server ${endpoint}${tlsOptions} -ref ${material.reference} -secret pass:${material.secret}` +
      ` -newkey ${rel(material.deviceKeyPath)} -subject "/CN=device1" -certout ${out("device1.pem")} -cacertsout ${out("cacerts.pem")}`,
    "Check it:",
    `  openssl verify -CAfile ${rel(material.caCertPath)} ${out("device1.pem")}`,
    `Where relying parties check it (CRL, OCSP and CA certificate URLs under ${facts.origin}):`,
    `  openssl x509 -in ${out("device1.pem")} -noout -ext crlDistributionPoints,authorityInfoAccess`,
    "Make another key:",
    "  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out device2.key.pem",
    `Web console: ${facts.origin}/admin   (sign in with the token in ${rel(material.adminTokenPath)})`,
    "Operator tools (admin API, token in " + rel(material.adminTokenPath) + "):",
    `  export JELLYFISH_URL=${facts.origin} JELLYFISH_ADMIN_TOKEN=$(cat ${rel(material.adminTokenPath)})${cacert}`,
    `  ${CLI} cert list`,
    ...(clientProfile
      ? [`  ${CLI} entity add user1 --subject "CN=user1" --profile ${clientProfile.name}   # then: -server ${endpoint}/p/${clientProfile.name}${tlsOptions} -ref user1 -secret pass:<code>`]
      : []),
    "",
  ].join("\n");
}
