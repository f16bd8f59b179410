import { join, relative } from "node:path";
import type { DevMaterial } from "./dev_ca.js";

/**
 * What `npm start` prints once the Worker answers: where it listens, where
 * the material is, and command lines that work as printed from the
 * repository folder.
 */
export function devBanner(root: string, material: DevMaterial, port: number): string {
  const endpoint = `http://127.0.0.1:${port}/.well-known/cmp`;
  const rel = (path: string) => relative(root, path);
  // What the printed commands write lands in .dev/ too, so trying them leaves the checkout clean.
  const out = (name: string) => rel(join(material.dir, name));
  return [
    "",
    "Jellyfish development server",
    `  endpoint:        ${endpoint}`,
    `  CA certificate:  ${rel(material.caCertPath)}   (key: ${rel(material.caKeyPath)})`,
    `  MAC secret:      ${rel(material.secretPath)}   (reference "${material.reference}")`,
    "",
    "Enroll a certificate (from this folder):",
    `  openssl cmp -cmd ir -server ${endpoint} -ref ${material.reference} -secret pass:${material.secret}` +
      ` -newkey ${rel(material.deviceKeyPath)} -subject "/CN=device1" -certout ${out("device1.pem")} -cacertsout ${out("cacerts.pem")}`,
    "Check it:",
    `  openssl verify -CAfile ${rel(material.caCertPath)} ${out("device1.pem")}`,
    "Where relying parties check it (CRL, OCSP and CA certificate URLs under http://127.0.0.1:" + port + "):",
    `  openssl x509 -in ${out("device1.pem")} -noout -ext crlDistributionPoints,authorityInfoAccess`,
    "Make another key:",
    "  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out device2.key.pem",
    "Operator tools (admin API, token in " + rel(material.adminTokenPath) + "):",
    `  export JELLYFISH_URL=http://127.0.0.1:${port} JELLYFISH_ADMIN_TOKEN=$(cat ${rel(material.adminTokenPath)})`,
    "  npx jellyfish cert list",
    `  npx jellyfish entity add user1 --subject "CN=user1" --profile devices   # then: -server ${endpoint}/p/devices -ref user1 -secret pass:<code>`,
    "",
  ].join("\n");
}
