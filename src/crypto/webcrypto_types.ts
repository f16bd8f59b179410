/**
 * WebCrypto type names, taken from the global `crypto.subtle` signatures so
 * that src/ needs neither the DOM lib nor a `node:` import: the same code
 * type-checks for workerd, Node and Lambda.
 */
type Subtle = typeof globalThis.crypto.subtle;

export type CryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;
export type KeyImportAlgorithm = Parameters<Subtle["importKey"]>[2];
export type VerifyAlgorithm = Parameters<Subtle["verify"]>[0];
