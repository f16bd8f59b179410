// Reading what the real `openssl` command line prints about our certificates.
// Run openssl itself with test/support/openssl.ts (mustOpensslSync, opensslSync).

/** The value line under an extension in `openssl x509 -text`, and whether it is marked critical. */
export function x509Extension(text: string, name: string): { critical: boolean; value: string } | undefined {
  const match = new RegExp(`X509v3 ${name}:( critical)? *\\n\\s*(.*)`).exec(text);
  return match ? { critical: match[1] !== undefined, value: match[2]!.trim() } : undefined;
}
