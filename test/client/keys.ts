import { readFile } from "node:fs/promises";
import { decodeCertificatesPem, decodeSinglePem } from "../../src/asn1/pem.js";
import { generateLocalKey, LocalSigner, type LocalKeyKind } from "../../src/kms/local.js";

/** A fresh key pair as the client's Signer (the key a request certifies, or signs with). */
export async function newSigner(kind: LocalKeyKind = "P-256"): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8((await generateLocalKey(kind)).pkcs8);
}

/** A PKCS #8 PEM file (as `openssl genpkey` writes it) as a Signer. */
export async function signerFromFile(path: string): Promise<LocalSigner> {
  return LocalSigner.fromPkcs8(await readFile(path, "utf8"));
}

/** The first certificate of a PEM file, DER. */
export async function certificateFromFile(path: string): Promise<Uint8Array> {
  return decodeCertificatesPem(await readFile(path, "utf8"))[0]!;
}

/** A PEM CSR file, DER. */
export async function csrFromFile(path: string): Promise<Uint8Array> {
  return decodeSinglePem(await readFile(path, "utf8"), "CERTIFICATE REQUEST");
}
