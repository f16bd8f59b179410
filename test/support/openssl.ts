import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs the real `openssl` binary for tests: `openssl cmp` as the client in
 * the interop tests, key, CSR and certificate making, and checking our own
 * output. Arguments go as an array (no shell), and every run has a timeout
 * so a hung process fails the test instead of the test run. Each runner
 * comes as a promise (openssl, mustOpenssl) and, for tests that build their
 * fixtures synchronously, as a blocking call (opensslSync, mustOpensslSync).
 *
 * Two `openssl cmp` clients: the system's `openssl` (OpenSSL 3.0 on these
 * machines) and Debian trixie's OpenSSL 3.5, which scripts/openssl35.sh
 * unpacks into .cache/openssl35 and the node project's globalSetup
 * (test/support/openssl35_setup.ts) names in OPENSSL35. Keys, CSRs and
 * certificates are always made by the system's openssl.
 */

/** Which binary runs `openssl cmp`: "3.0" the system's `openssl`, "3.5" the OPENSSL35 wrapper. */
export type CmpClient = "3.0" | "3.5";

/** Both clients, for `describe.each(CMP_CLIENTS)`. */
export const CMP_CLIENTS: readonly CmpClient[] = ["3.0", "3.5"];

/**
 * The client of tests that do not name one: "3.0", or what
 * JELLYFISH_CMP_CLIENT says, so that every `openssl cmp` test can be run
 * with OpenSSL 3.5 (`JELLYFISH_CMP_CLIENT=3.5 npx vitest run test/cmp`).
 */
export function defaultCmpClient(): CmpClient {
  const chosen = process.env.JELLYFISH_CMP_CLIENT;
  if (chosen === undefined || chosen === "" || chosen === "3.0") return "3.0";
  if (chosen === "3.5") return "3.5";
  throw new Error(`JELLYFISH_CMP_CLIENT=${chosen}: expected 3.0 or 3.5`);
}

/**
 * The binary for `client`. Throws when OpenSSL 3.5 was asked for and is not
 * there, so a 3.5 test fails (with the installer's message) instead of skipping.
 */
export function cmpClientBinary(client: CmpClient = defaultCmpClient()): string {
  if (client === "3.0") return "openssl";
  const path = process.env.OPENSSL35;
  if (path) return path;
  throw new Error(
    `OpenSSL 3.5 is not available: ${process.env.OPENSSL35_ERROR ?? "OPENSSL35 is not set (the node project's globalSetup, test/support/openssl35_setup.ts, sets it after running scripts/openssl35.sh)"}`,
  );
}

export interface OpensslResult {
  /** The exit code; -1 when the process was killed (timeout) or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface OpensslOptions {
  /** Milliseconds before the process is killed; default 20 000. */
  timeoutMs?: number;
  cwd?: string;
  /** Written to openssl's standard input, which is then closed. */
  input?: Uint8Array | string;
}

export interface CmpOptions extends OpensslOptions {
  /** Which `openssl cmp` runs; default defaultCmpClient(), normally "3.0" (the system's). */
  client?: CmpClient;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const MAX_OUTPUT = 16 * 1024 * 1024;

export function openssl(args: readonly string[], options: OpensslOptions = {}): Promise<OpensslResult> {
  return run("openssl", args, options);
}

function run(binary: string, args: readonly string[], options: OpensslOptions): Promise<OpensslResult> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      [...args],
      { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, killSignal: "SIGKILL", cwd: options.cwd, maxBuffer: MAX_OUTPUT },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** openssl() as a blocking call. */
export function opensslSync(args: readonly string[], options: OpensslOptions = {}): OpensslResult {
  const result = spawnSync("openssl", [...args], {
    input: options.input,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    killSignal: "SIGKILL",
    cwd: options.cwd,
    maxBuffer: MAX_OUTPUT,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout?.toString("utf8") ?? "",
    stderr: result.stderr?.toString("utf8") ?? "",
  };
}

/**
 * `openssl cmp` with the given arguments, without any openssl.cnf (so the
 * machine's configuration cannot change the outcome), run by the system's
 * openssl or, with `client: "3.5"`, by OpenSSL 3.5.
 */
export function opensslCmp(args: readonly string[], options: CmpOptions = {}): Promise<OpensslResult> {
  const { client, ...rest } = options;
  return run(cmpClientBinary(client), ["cmp", "-config", "", ...args], rest);
}

/** Like openssl() but throws with openssl's stderr when it fails. */
export async function mustOpenssl(args: readonly string[], options: OpensslOptions = {}): Promise<string> {
  return stdoutOf(args, await openssl(args, options));
}

/** Like opensslSync() but throws with openssl's stderr when it fails. */
export function mustOpensslSync(args: readonly string[], options: OpensslOptions = {}): string {
  return stdoutOf(args, opensslSync(args, options));
}

function stdoutOf(args: readonly string[], result: OpensslResult): string {
  if (result.code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export type KeyKind = "P-256" | "P-384" | "RSA-2048" | "Ed25519";

/** A temporary folder for one test's keys and certificates; remove() deletes it. */
export interface TempDir {
  path: string;
  file(name: string): string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = "jellyfish-test-"): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, file: (name) => join(path, name), remove: () => rm(path, { recursive: true, force: true }) };
}

/** A temporary folder for tests that set up synchronously; remove() deletes it. */
export interface TempDirSync {
  path: string;
  file(name: string): string;
  /** Writes `name` in the folder and returns its path. */
  write(name: string, data: Uint8Array | string): string;
  read(name: string): Uint8Array;
  readText(name: string): string;
  remove(): void;
}

export function makeTempDirSync(prefix = "jellyfish-test-"): TempDirSync {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const file = (name: string) => join(path, name);
  return {
    path,
    file,
    write: (name, data) => {
      writeFileSync(file(name), data);
      return file(name);
    },
    read: (name) => new Uint8Array(readFileSync(file(name))),
    readText: (name) => readFileSync(file(name), "utf8"),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

function keyArgs(kind: KeyKind): string[] {
  switch (kind) {
    case "P-256":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    case "P-384":
      return ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
    case "RSA-2048":
      return ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
    case "Ed25519":
      return ["-algorithm", "ED25519"];
  }
}

/** A new private key as PKCS #8 PEM ("PRIVATE KEY") at `path`; returns the path. */
export async function makeKey(path: string, kind: KeyKind = "P-256"): Promise<string> {
  await mustOpenssl(["genpkey", ...keyArgs(kind), "-out", path]);
  return path;
}

/** A PKCS #10 CSR (PEM) for `keyPath` with subject like "/CN=device1"; returns the path. */
export async function makeCsr(path: string, keyPath: string, subject: string): Promise<string> {
  await mustOpenssl(["req", "-new", "-key", keyPath, "-subj", subject, "-out", path]);
  return path;
}

/** A self-signed CA certificate (PEM) for `keyPath`; returns the path. */
export async function makeSelfSignedCa(path: string, keyPath: string, subject = "/CN=Jellyfish Test CA"): Promise<string> {
  await mustOpenssl([
    "req", "-x509", "-new", "-key", keyPath, "-subj", subject, "-days", "3650",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
    "-out", path,
  ]);
  return path;
}

/**
 * A CA for a server under test, made by openssl in `dir` (ca.key.pem,
 * ca.pem) and read back as the PEM texts CA_KEY and CA_CERT take.
 */
export async function makeCaFiles(dir: TempDir, subject?: string): Promise<{ keyPem: string; certPem: string }> {
  await makeKey(dir.file("ca.key.pem"));
  await makeSelfSignedCa(dir.file("ca.pem"), dir.file("ca.key.pem"), subject);
  const [keyPem, certPem] = await Promise.all([readFile(dir.file("ca.key.pem"), "utf8"), readFile(dir.file("ca.pem"), "utf8")]);
  return { keyPem, certPem };
}

/** An end-entity certificate (PEM) for `csrPath` issued by the given CA; returns the path. */
export async function issueCertificate(
  path: string,
  csrPath: string,
  ca: { certPath: string; keyPath: string },
  serial: number,
): Promise<string> {
  const extensions = `${path}.ext`;
  await writeFile(extensions, "keyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  await mustOpenssl([
    "x509", "-req", "-in", csrPath, "-CA", ca.certPath, "-CAkey", ca.keyPath,
    "-set_serial", String(serial), "-days", "365", "-extfile", extensions, "-out", path,
  ]);
  return path;
}
