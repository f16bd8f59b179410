import { execFileSync } from "node:child_process";

/**
 * The OpenSSL 3.5 binary for interop tests of what 3.0 lacks (genm
 * caCerts, rootCaCert, certReqTemplate, crlStatusList): $OPENSSL35 if set,
 * else Debian trixie's build fetched by /work/shared/tools/openssl35.sh into
 * /tmp/openssl35 (a no-op once it is there). Throws when neither works, so
 * the tests that need it fail rather than skip.
 */
export function openssl35Binary(): string {
  const given = process.env.OPENSSL35;
  if (given) return given;
  const output = execFileSync("/work/shared/tools/openssl35.sh", ["/tmp/openssl35"], { encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "pipe"] });
  const path = output.trim().split("\n").pop();
  if (!path) throw new Error("openssl35.sh printed no path");
  return path;
}
