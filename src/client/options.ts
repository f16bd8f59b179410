import type { Signer } from "../kms/signer.js";

/** The `fetch` the client calls: the platform's, or one a test or proxy provides. */
export type Fetch = (
  input: string,
  init: { method: "POST"; headers: Record<string, string>; body: Uint8Array; redirect: "manual"; signal: AbortSignal },
) => Promise<Response>;

/**
 * MAC protection with a shared secret (RFC 9810 §5.1.3.1, RFC 9483 §3.2).
 * "pbm" is PasswordBasedMac with SHA-256 as one-way function and
 * HMAC-SHA256 (RFC 9481 §6.1.1, §6.2.1); "pbmac1" is PBMAC1 with
 * PBKDF2-HMAC-SHA256 and HMAC-SHA256 (RFC 9481 §6.1.2), which RFC 9481 §9
 * prefers. PBM is the default because OpenSSL 3.0 servers know only PBM.
 */
export interface MacProtectionOptions {
  /** The sender reference the server knows the secret by; sent as senderKID (RFC 9483 §3.1). */
  reference: string;
  /** The shared secret; a string is taken as UTF-8. */
  secret: string | Uint8Array;
  algorithm?: "pbm" | "pbmac1";
  /** Iteration count; default 1 000 for PBM, 10 000 for PBMAC1 (see mac_parameters.ts). */
  iterations?: number;
}

/** Signature protection with a key and its certificate (RFC 9810 §5.1.3.3, RFC 9483 §3.2). */
export interface SignatureProtectionOptions {
  signer: Signer;
  /** The protection certificate (DER) first, then its chain: sent as extraCerts (RFC 9483 §3.3). */
  certificates: Uint8Array[];
}

export type ProtectionOptions = { mac: MacProtectionOptions } | { signature: SignatureProtectionOptions };

/**
 * How signed responses are trusted: path validation (RFC 5280 §6) of the
 * response's protection certificate (the first of its extraCerts) up to one
 * of `anchors`, or exactly one `pinned` server certificate, whatever the
 * response carries (OpenSSL's -trusted and -srvcert).
 */
export type TrustOptions = { anchors: Uint8Array[] } | { pinned: Uint8Array };

export interface CmpClientOptions {
  /** The CMP endpoint, e.g. https://ca.example/.well-known/cmp/p/devices (RFC 9811 §3.4). */
  url: string;
  fetch?: Fetch;
  protection: ProtectionOptions;
  /** Needed to accept signed responses; a MAC-only client may omit it. */
  trust?: TrustOptions;
  /** pvno of our messages (RFC 9810 §7): 2 (cmp2000, the default, what OpenSSL 3.0 speaks) or 3 (cmp2021). */
  pvno?: 2 | 3;
  /**
   * The recipient of our messages (RFC 9483 §3.1), as a DN string; default:
   * the issuer of our protection certificate, or the NULL-DN.
   */
  recipient?: string;
  now?: () => Date;
  randomBytes?: (length: number) => Uint8Array;
  /** Ask for implicit confirmation (RFC 9810 §5.1.1.1): no certConf when the server grants it. */
  implicitConfirm?: boolean;
  /** How long a waiting request is polled for, in total (RFC 9810 §5.3.22); default 5 minutes. */
  pollLimitMs?: number;
  /** How long one HTTP exchange may take; default 120 s (OpenSSL's -msg_timeout). */
  messageTimeoutMs?: number;
  /** Largest response body accepted; default 100 KiB (OpenSSL's limit). */
  maxResponseBytes?: number;
}

export const DEFAULTS = {
  pvno: 2,
  pollLimitMs: 5 * 60_000,
  messageTimeoutMs: 120_000,
  maxResponseBytes: 100 * 1024,
} as const;
