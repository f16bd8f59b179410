import { X509Certificate } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Certificate } from "@peculiar/asn1-x509";
import { decodeDer } from "../src/asn1/codec/der_decoder.js";
import { decodeCertificatesPem, decodeSinglePem, encodePem } from "../src/asn1/pem.js";
import { serializeDer } from "../src/asn1/serialize_der.js";
import { encodeName, parseDistinguishedName } from "../src/ca/distinguished_name.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extendedKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "../src/ca/extensions.js";
import { parseGeneralNames } from "../src/ca/general_name_text.js";
import { encodeAlgorithm } from "../src/ca/issuer.js";
import { keyIdentifier } from "../src/ca/key_identifier.js";
import { newSerialNumber } from "../src/ca/serial_number.js";
import { signCertificate } from "../src/ca/signed_certificate.js";
import { encodeTbsCertificate } from "../src/ca/tbs_certificate.js";
import { encodeValidity, validityPeriod } from "../src/ca/validity.js";
import { generateLocalKey, LocalSigner } from "../src/kms/local.js";
import { makeSelfSignedCaPem, readIfExists, writePrivate } from "./dev_files.js";

/**
 * The TLS material of `npm start -- --https`, made once in .dev/ with the
 * project's own certificate code: a local TLS CA (its own, apart from the
 * CMP CA, so that trusting it for TLS says nothing about the certificates
 * Jellyfish issues) and a server certificate for 127.0.0.1, ::1 and
 * localhost. Clients trust the CA file (`openssl cmp -tls_trusted`,
 * `jellyfish --cacert`). Development only.
 */

export const TLS_SERVER_NAMES = ["IP:127.0.0.1", "IP:::1", "DNS:localhost"];
const CA_VALIDITY_SECONDS = 10 * 365 * 86_400;
// Below the 398 days browsers accept for a server certificate, so one can open the https pages too.
const SERVER_VALIDITY_SECONDS = 397 * 86_400;
/** A server certificate this close to its end is made anew at the next start. */
const RENEW_BEFORE_MS = 7 * 86_400_000;
const ID_KP_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

export interface DevTls {
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  /** What this start made (empty when everything was reused). */
  created: string[];
}

export async function ensureDevTls(dir: string, now: () => Date = () => new Date()): Promise<DevTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCertPath = join(dir, "https-ca.pem");
  const caKeyPath = join(dir, "https-ca.key.pem");
  const serverCertPath = join(dir, "https-server.pem");
  const serverKeyPath = join(dir, "https-server.key.pem");
  const created: string[] = [];

  let caCertPem = await readIfExists(caCertPath);
  let caKeyPem = await readIfExists(caKeyPath);
  const newCa = caCertPem === undefined || caKeyPem === undefined;
  if (newCa) {
    ({ caCertPem, caKeyPem } = await makeSelfSignedCaPem("CN=Jellyfish Local TLS CA", CA_VALIDITY_SECONDS, now()));
    await writePrivate(caKeyPath, caKeyPem);
    await writeFile(caCertPath, caCertPem);
    created.push(caCertPath, caKeyPath);
  }

  const serverCertPem = await readIfExists(serverCertPath);
  const serverKeyPem = await readIfExists(serverKeyPath);
  if (newCa || serverCertPem === undefined || serverKeyPem === undefined || nearItsEnd(serverCertPem, now())) {
    const issued = await issueServerCertificate(caCertPem!, caKeyPem!, now());
    await writePrivate(serverKeyPath, issued.keyPem);
    // The chain up to (not including) the anchor: the server certificate alone.
    await writeFile(serverCertPath, issued.certPem);
    created.push(serverCertPath, serverKeyPath);
  }
  return { caCertPath, serverCertPath, serverKeyPath, created };
}

async function issueServerCertificate(caCertPem: string, caKeyPem: string, now: Date): Promise<{ certPem: string; keyPem: string }> {
  const caSigner = await LocalSigner.fromPkcs8(decodeSinglePem(caKeyPem, "PRIVATE KEY"));
  const caCertificate = decodeDer(decodeCertificatesPem(caCertPem)[0]!, Certificate);
  const { pkcs8, spki } = await generateLocalKey("P-256");
  const signatureAlgorithm = encodeAlgorithm(caSigner.algorithm);
  const tbs = encodeTbsCertificate({
    serialNumber: newSerialNumber().bytes,
    signature: signatureAlgorithm,
    issuer: serializeDer(caCertificate.tbsCertificate.subject),
    validity: encodeValidity(validityPeriod(now, SERVER_VALIDITY_SECONDS, 300)),
    subject: encodeName(parseDistinguishedName("CN=localhost")),
    subjectPublicKeyInfo: spki,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(["digitalSignature"])!,
      extendedKeyUsageExtension([ID_KP_SERVER_AUTH])!,
      subjectAltNameExtension(parseGeneralNames(TLS_SERVER_NAMES), false)!,
      subjectKeyIdentifierExtension(await keyIdentifier(spki)),
      authorityKeyIdentifierExtension(await keyIdentifier(caSigner.publicKey)),
    ],
  });
  const certificate = await signCertificate(caSigner, signatureAlgorithm, tbs);
  return { certPem: encodePem("CERTIFICATE", certificate), keyPem: encodePem("PRIVATE KEY", pkcs8) };
}

function nearItsEnd(pem: string, now: Date): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) - now.getTime() < RENEW_BEFORE_MS;
  } catch {
    return true; // unreadable: make it anew
  }
}
