// jellyfish/client: a CMP client (RFC 9810, RFC 9483, RFC 9811) on WebCrypto and fetch.
export { CmpClient } from "./client.js";
export { batchingFetch } from "./nesting.js";
export type { CertificateRequest, GeneralMessageResult, KeyUpdateRequest, RevocationRequest, RevocationResult } from "./client.js";
export type { EnrollmentResult } from "./enrollment.js";
export { CmpClientError, type CmpClientErrorKind } from "./errors.js";
export type { InfoItem } from "./general_message.js";
export type { CmpClientOptions, Fetch, MacProtectionOptions, ProtectionOptions, SignatureProtectionOptions, TrustOptions } from "./options.js";
export type { RevocationReason } from "./revocation.js";
export type { PKIStatusName, StatusInfo } from "./status.js";
export type { Signer } from "../kms/signer.js";
