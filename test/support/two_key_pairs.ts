import { readFile } from "node:fs/promises";
import { makeKey, makeSelfSignedCa, type TempDir } from "./openssl.js";

/**
 * Two keys, each with a self-signed certificate: the certificate of one
 * with the key of the other is the mismatch every start-up check must
 * refuse (a CA key, a response signer).
 */
export interface KeyPair {
  keyPem: string;
  certPem: string;
}

export async function makeTwoKeyPairs(dir: TempDir): Promise<{ first: KeyPair; second: KeyPair }> {
  const make = async (name: string): Promise<KeyPair> => {
    await makeKey(dir.file(`${name}.key.pem`));
    await makeSelfSignedCa(dir.file(`${name}.pem`), dir.file(`${name}.key.pem`), `/CN=Jellyfish ${name}`);
    const [keyPem, certPem] = await Promise.all([readFile(dir.file(`${name}.key.pem`), "utf8"), readFile(dir.file(`${name}.pem`), "utf8")]);
    return { keyPem, certPem };
  };
  const [first, second] = await Promise.all([make("first"), make("second")]);
  return { first, second };
}
