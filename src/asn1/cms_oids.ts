/**
 * Object identifiers of the CMS structures that carry a centrally generated
 * private key (RFC 9483 §4.1.6): content types, signed attributes, and the
 * algorithms RFC 9481 §4-5 profiles for EnvelopedData.
 */

// RFC 5652 §4, §5.1, §6.1: content types.
export const id_data = "1.2.840.113549.1.7.1";
export const id_signedData = "1.2.840.113549.1.7.2";
export const id_envelopedData = "1.2.840.113549.1.7.3";
// RFC 5958 §2: the asymmetric key package content type.
export const id_ct_KP_aKeyPackage = "2.16.840.1.101.2.1.2.78.5";

// RFC 5652 §11.1-11.3: signed attributes.
export const id_contentType = "1.2.840.113549.1.9.3";
export const id_messageDigest = "1.2.840.113549.1.9.4";
export const id_signingTime = "1.2.840.113549.1.9.5";

// RFC 9481 §5.1 (RFC 3565): AES-CBC content encryption, the IV as an OCTET STRING parameter.
export const id_aes128_CBC = "2.16.840.1.101.3.4.1.2";
export const id_aes192_CBC = "2.16.840.1.101.3.4.1.22";
export const id_aes256_CBC = "2.16.840.1.101.3.4.1.42";
// RFC 9481 §4.3.1 (RFC 3394): AES key wrap, parameters absent (RFC 3565 §2.3.2).
export const id_aes128_wrap = "2.16.840.1.101.3.4.1.5";
export const id_aes192_wrap = "2.16.840.1.101.3.4.1.25";
export const id_aes256_wrap = "2.16.840.1.101.3.4.1.45";

// RFC 3211 §2.3: the password-based key wrap, parameters the AlgorithmIdentifier of its CBC cipher.
export const id_alg_PWRI_KEK = "1.2.840.113549.1.9.16.3.9";

// RFC 9481 §4.1.2 (RFC 5753 §7.1.4): ephemeral-static ECDH with the X9.63 KDF over SHA-2.
export const dhSinglePass_stdDH_sha256kdf_scheme = "1.3.132.1.11.1";
export const dhSinglePass_stdDH_sha384kdf_scheme = "1.3.132.1.11.2";
export const dhSinglePass_stdDH_sha512kdf_scheme = "1.3.132.1.11.3";

// RFC 9481 §4.2.1 (RFC 8017, RFC 4055 §4.1): RSAES-OAEP key transport; and MGF1.
export const id_RSAES_OAEP = "1.2.840.113549.1.1.7";
export const id_mgf1 = "1.2.840.113549.1.1.8";

// RFC 9810 §5.2.2 / RFC 9483 §4.1.6: a key generation authority that is not the CA.
export const id_kp_cmKGA = "1.3.6.1.5.5.7.3.32";
