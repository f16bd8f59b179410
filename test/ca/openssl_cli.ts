// Helpers for checking our output with the real `openssl` command line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpensslResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run openssl with `args`; never throws, the caller asserts on status. */
export function openssl(args: string[], input?: Uint8Array | string): OpensslResult {
  const result = spawnSync("openssl", args, { input, timeout: 20_000 });
  return {
    status: result.status,
    stdout: result.stdout?.toString("utf8") ?? "",
    stderr: result.stderr?.toString("utf8") ?? "",
  };
}

/** Run openssl and return stdout, throwing with stderr on failure. */
export function opensslOk(args: string[], input?: Uint8Array | string): string {
  const result = openssl(args, input);
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** A temp directory that the caller removes with `remove()`. */
export function tempDir(prefix: string): { path: string; file(name: string): string; write(name: string, data: string | Uint8Array): string; read(name: string): Buffer; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `jellyfish-${prefix}-`));
  return {
    path,
    file: (name) => join(path, name),
    write: (name, data) => {
      const file = join(path, name);
      writeFileSync(file, data);
      return file;
    },
    read: (name) => readFileSync(join(path, name)),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** The value line under an extension in `openssl x509 -text`, and whether it is marked critical. */
export function x509Extension(text: string, name: string): { critical: boolean; value: string } | undefined {
  const match = new RegExp(`X509v3 ${name}:( critical)? *\\n\\s*(.*)`).exec(text);
  return match ? { critical: match[1] !== undefined, value: match[2]!.trim() } : undefined;
}
