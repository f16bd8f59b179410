import { parseDer } from "../asn1/parse_der.js";
import { Certificate } from "@peculiar/asn1-x509";
import { formatDistinguishedName, parseDistinguishedName } from "../ca/distinguished_name.js";
import { serialNumberHex } from "../ca/serial_number.js";
import type { CaInitOptions, CaKeySource } from "./ca_init_args.js";
import { colonHex, describePublicKey, describeSignatureAlgorithm } from "./key_description.js";
import { formatRecord, printable } from "./tables.js";

/**
 * What `jellyfish ca init` prints: what it made, then what to do with it.
 * The file itself is the result; this text is for the person at the terminal.
 */

export interface Made {
  options: CaInitOptions;
  /** DER: the certificate, or the CSR. */
  der: Uint8Array;
  /** The CA key's SubjectPublicKeyInfo and its key identifier (RFC 5280 §4.2.1.2). */
  publicKey: Uint8Array;
  keyIdentifier: Uint8Array;
  /** The AWS KMS key ARN KMS reported, for a KMS key. */
  keyArn?: string;
}

const REQUESTED = "basicConstraints CA:TRUE, keyUsage digitalSignature keyCertSign cRLSign";

export function caInitReport(made: Made): string {
  const { options } = made;
  const { mode } = options;
  const key = `${describePublicKey(made.publicKey)}, ${keySourceText(options.key, made.keyArn)}`;
  if (mode.kind === "csr") {
    return [
      `Wrote ${mode.out}: a certification request (PKCS #10) for the CA key.\n\n`,
      formatRecord([
        ["subject", formatDistinguishedName(parseDistinguishedName(options.subject))],
        ["key", key],
        ["key identifier", colonHex(made.keyIdentifier)],
        ["requests", REQUESTED],
      ]),
      `\n${csrNextSteps(options)}`,
    ].join("");
  }
  const tbs = parseDer(made.der, Certificate).tbsCertificate;
  const what = mode.kind === "self-signed" ? "a self-signed root CA certificate" : "a CA certificate, followed by its issuer's chain";
  return [
    `Wrote ${mode.out}: ${what}.\n\n`,
    formatRecord([
      ["subject", formatDistinguishedName(tbs.subject)],
      ["issuer", mode.kind === "self-signed" ? "itself" : formatDistinguishedName(tbs.issuer)],
      ["key", key],
      ["signature", describeSignatureAlgorithm(tbs.signature)],
      ["key identifier", colonHex(made.keyIdentifier)],
      ["serial", serialNumberHex(tbs.serialNumber)],
      ["not before", isoSeconds(tbs.validity.notBefore.getTime().getTime())],
      ["not after", isoSeconds(tbs.validity.notAfter.getTime().getTime())],
      ["path length", mode.kind === "issuer" ? "0: it issues end-entity certificates only" : undefined],
    ]),
    `\n${certificateNextSteps(options.key, made.keyArn, mode.out)}`,
  ].join("");
}

function keySourceText(key: CaKeySource, keyArn: string | undefined): string {
  return key.kind === "file" ? `from ${key.path}` : `in AWS KMS: ${keyArn ?? key.keyId}`;
}

/** How the CA certificate reaches each runtime: docs/aws-kms.md (Workers with KMS), docs/aws.md step 4 (the CDK stack). */
function certificateNextSteps(key: CaKeySource, keyArn: string | undefined, out: string): string {
  const file = shellWord(out);
  const lines = ["Next, give the CA to the server:"];
  if (key.kind === "file") {
    lines.push(
      "  Cloudflare Workers:",
      `    npx wrangler secret put CA_KEY < ${shellWord(key.path)}`,
      `    npx wrangler secret put CA_CERT < ${file}`,
    );
  } else {
    lines.push(
      "  Cloudflare Workers (docs/aws-kms.md), with these vars in wrangler.toml:",
      `    CA_KMS_KEY_ID = "${keyArn ?? key.keyId}"`,
      `    AWS_REGION = "${key.region}"`,
      `    npx wrangler secret put CA_CERT < ${file}`,
      "  AWS, the CDK stack (docs/aws.md, step 4):",
      `    npm run deploy:aws -- --parameters CaCert="$(cat ${file})"`,
    );
  }
  return `${lines.map(printable).join("\n")}\n`;
}

function csrNextSteps(options: CaInitOptions): string {
  const csr = shellWord(options.mode.out);
  return [
    `Next, have your root CA sign ${printable(options.mode.out)} as a CA certificate; with OpenSSL, for example:`,
    `  openssl x509 -req -in ${csr} -CA root.pem -CAkey root.key.pem -copy_extensions copyall -days 1825 -out ca-cert.pem`,
    "Then put the certificate and its chain into one file, the CA certificate first:",
    "  cat ca-cert.pem root.pem > ca.pem",
    `and give ca.pem to the server as CA_CERT${options.key.kind === "file" ? `, with ${printable(options.key.path)} as CA_KEY` : ""}.`,
  ]
    .map(printable)
    .join("\n")
    .concat("\n");
}

/** A path as one shell word, so a printed command can be pasted as is. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}
