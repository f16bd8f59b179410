import { access, readFile, writeFile } from "node:fs/promises";
import { AlgorithmIdentifier, Certificate } from "@peculiar/asn1-x509";
import { readChildren, readElement } from "../../asn1/der.js";
import { encodeCertificatesPem, encodePem } from "../../asn1/pem.js";
import { parseDer } from "../../asn1/parse_der.js";
import { createCertificationRequest } from "../../ca/csr_builder.js";
import { createIntermediateCa } from "../../ca/intermediate.js";
import { keyIdentifier } from "../../ca/key_identifier.js";
import { loadLocalKeyAndCertificates, type KeyAndCertificates } from "../../ca/local_key_pair.js";
import { createSelfSignedCa } from "../../ca/self_signed.js";
import { verifySignature } from "../../crypto/signature.js";
import { LocalSigner } from "../../kms/local.js";
import { SignerError, type Signer } from "../../kms/signer.js";
import type { CaInitOptions, CaKeySource } from "../ca_init_args.js";
import { caInitReport } from "../ca_init_view.js";
import { CommandFailed, type OfflineHandler } from "./context.js";

/**
 * `jellyfish ca init`: the CA certificate (or a CSR) for a CA key, made on
 * the operator's machine. The key is used where it lives: a KMS key signs
 * in KMS and never leaves it (DESIGN.md, "Keys never leave the KMS").
 */

const DAY_SECONDS = 86_400;

export const caInit: OfflineHandler = async (context, { options }) => {
  const init = options.caInit!;
  const { mode } = init;
  // Before any key is loaded or KMS called: nothing is signed for a file that cannot be written.
  if (!init.force && (await exists(mode.out))) throw new CommandFailed(`${mode.out} exists; pass --force to replace it`);
  const issuer = mode.kind === "issuer" ? await loadIssuer(mode.issuerKey, mode.issuerCert) : undefined;
  const signer = await loadSigner(init.key);
  const now = context.now();

  const { der, pem } = await signing(() => make(init, signer, issuer, now));
  await write(mode.out, pem, init.force);
  context.stdout(
    caInitReport({
      options: init,
      der,
      publicKey: signer.publicKey,
      keyIdentifier: await keyIdentifier(signer.publicKey),
      keyArn: (signer as { keyArn?: string }).keyArn,
    }),
  );
  if (mode.kind === "issuer") noteClamping(context.stderr, der, now, mode.days);
};

/** The certificate or CSR, DER, and the file's PEM; every signature checked. */
async function make(init: CaInitOptions, signer: Signer, issuer: KeyAndCertificates | undefined, now: Date): Promise<{ der: Uint8Array; pem: string }> {
  const { mode, subject } = init;
  if (mode.kind === "csr") {
    const der = await createCertificationRequest({ signer, subject });
    await checkSignature(der, signer.publicKey, "the CSR");
    return { der, pem: encodePem("CERTIFICATE REQUEST", der) };
  }
  const validitySeconds = mode.days * DAY_SECONDS;
  if (mode.kind === "self-signed") {
    const der = await createSelfSignedCa({ signer, subject, validitySeconds, now });
    await checkSignature(der, signer.publicKey, "the certificate");
    return { der, pem: encodePem("CERTIFICATE", der) };
  }
  const [certificate, ...above] = issuer!.certificates;
  const der = await createIntermediateCa({ issuer: { signer: issuer!.signer, certificate: certificate! }, subjectSigner: signer, subject, validitySeconds, now });
  await checkSignature(der, issuer!.signer.publicKey, "the certificate");
  // CA_CERT is the CA certificate, then its chain up to the root.
  return { der, pem: encodeCertificatesPem([der, certificate!, ...above]) };
}

async function loadSigner(key: CaKeySource): Promise<Signer> {
  if (key.kind === "file") {
    const pem = await readInput(key.path, "--key");
    try {
      return await LocalSigner.fromPkcs8(pem);
    } catch (error) {
      throw new CommandFailed(`--key ${key.path}: ${messageOf(error)}`, false, { cause: error });
    }
  }
  // Loaded only here: the other commands need not load the AWS SDK.
  const { AwsKmsSigner } = await import("../../kms/aws_kms.js");
  // No credentials given: the SDK's default chain reads the AWS environment (variables, profile, SSO, ...).
  return signing(() => AwsKmsSigner.connect({ keyId: key.keyId, region: key.region, endpoint: key.endpoint }));
}

async function loadIssuer(keyPath: string, certPath: string): Promise<KeyAndCertificates> {
  const [keyPem, certPem] = [await readInput(keyPath, "--issuer-key"), await readInput(certPath, "--issuer-cert")];
  try {
    return await loadLocalKeyAndCertificates(keyPem, certPem, { key: `--issuer-key ${keyPath}`, certificates: `--issuer-cert ${certPath}` });
  } catch (error) {
    throw new CommandFailed(messageOf(error), false, { cause: error });
  }
}

/** Runs a step that signs or calls KMS; its failures become CommandFailed, KMS outages as unreachable. */
async function signing<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof CommandFailed) throw error;
    const unreachable = error instanceof SignerError && error.transient;
    throw new CommandFailed(messageOf(error), unreachable, { cause: error });
  }
}

/**
 * The signature must verify with the key it claims (RFC 5280 §4.1.1.3;
 * RFC 2986 §3 for the CSR) before the file is written: a KMS key that signs
 * with another algorithm than announced would otherwise give a CA nobody
 * can chain to, found only when devices fail.
 */
async function checkSignature(der: Uint8Array, publicKey: Uint8Array, what: string): Promise<void> {
  const [signed, algorithm, signature] = readChildren(der, readElement(der, 0));
  const ok = await verifySignature(
    publicKey,
    parseDer(der.slice(algorithm!.start, algorithm!.end), AlgorithmIdentifier),
    der.slice(signed!.start, signed!.end),
    der.slice(signature!.contentStart + 1, signature!.end), // past the unused-bits octet
  );
  if (!ok) throw new CommandFailed(`${what}'s signature does not verify with the signing key; nothing was written`);
}

function noteClamping(stderr: (text: string) => void, der: Uint8Array, now: Date, days: number): void {
  const notAfter = parseDer(der, Certificate).tbsCertificate.validity.notAfter.getTime().getTime();
  const wanted = Math.floor(now.getTime() / 1000) * 1000 + days * DAY_SECONDS * 1000;
  if (notAfter < wanted) {
    stderr(`note: the certificate ends with its issuer, on ${new Date(notAfter).toISOString()}, not after the ${days} days asked for\n`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readInput(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CommandFailed(`${option} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? messageOf(error)})`, false, { cause: error });
  }
}

async function write(path: string, text: string, force: boolean): Promise<void> {
  try {
    // "wx" fails if the file appeared since the check above; certificates are public, hence 0644.
    await writeFile(path, text, { flag: force ? "w" : "wx", mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new CommandFailed(`${path} exists; pass --force to replace it`, false, { cause: error });
    throw new CommandFailed(`cannot write ${path}: ${code ?? messageOf(error)}`, false, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
