import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeKey, mustOpenssl, type KeyKind } from "./openssl.js";

/**
 * A CA run by the openssl binary (`openssl ca`), for certificates a test needs
 * outside the CMP flow: expired or not-yet-valid ones (`ca` takes exact dates,
 * `x509 -req` only -days), certificates of an unrelated CA, and certificates
 * this CA's key signed that Jellyfish never recorded.
 */
export interface OpensslCa {
  certPath: string;
  keyPath: string;
  /** Issue a certificate for `keyPath`; returns the PEM path. Dates as YYYYMMDDHHMMSSZ. */
  issue(name: string, options: IssueOptions): Promise<string>;
}

export interface IssueOptions {
  subject: string;
  keyPath: string;
  start?: string;
  end?: string;
  extensions?: readonly string[];
  /** Digest for the signature, e.g. "sha1"; default: OpenSSL's default for the key. */
  digest?: string;
}

const END_ENTITY = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
];

/** Make a new self-signed CA in `dir` (or adopt an existing key and certificate). */
export async function opensslCa(
  dir: string,
  options: { name: string; subject?: string; keyKind?: KeyKind; existing?: { certPath: string; keyPath: string } },
): Promise<OpensslCa> {
  const base = join(dir, options.name);
  await writeFile(`${base}.cnf`, [
    "[ca]", "default_ca = CA_default",
    "[CA_default]", `database = ${base}.index`, `new_certs_dir = ${dir}`, `serial = ${base}.serial`,
    "default_md = default", "policy = policy_any", "unique_subject = no", "email_in_dn = no",
    "[policy_any]", "commonName = optional", "",
  ].join("\n"));
  await writeFile(`${base}.index`, "");
  // `openssl ca` wants an even number of hex digits; the leading 4 keeps the serial positive and 16 digits long.
  await writeFile(`${base}.serial`, `4${randomBytes(8).toString("hex").slice(1)}\n`);

  let certPath: string;
  let keyPath: string;
  if (options.existing) {
    ({ certPath, keyPath } = options.existing);
  } else {
    keyPath = await makeKey(`${base}.key.pem`, options.keyKind ?? "P-256");
    certPath = `${base}.pem`;
    await mustOpenssl([
      "req", "-x509", "-new", "-key", keyPath, "-subj", options.subject ?? `/CN=${options.name}`, "-days", "3650",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
      "-out", certPath,
    ]);
  }
  return {
    certPath,
    keyPath,
    async issue(name, issue) {
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      const out = join(dir, `${name}.pem`);
      await writeFile(ext, `${(issue.extensions ?? END_ENTITY).join("\n")}\n`);
      await mustOpenssl(["req", "-new", "-key", issue.keyPath, "-subj", issue.subject, "-out", csr]);
      await mustOpenssl([
        "ca", "-batch", "-config", `${base}.cnf`, "-cert", certPath, "-keyfile", keyPath, "-in", csr,
        "-startdate", issue.start ?? "20200101000000Z", "-enddate", issue.end ?? "20400101000000Z",
        "-md", issue.digest ?? "default", "-extfile", ext, "-preserveDN", "-notext", "-out", out,
      ]);
      return out;
    },
  };
}
