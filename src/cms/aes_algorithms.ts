import { id_aes128_CBC, id_aes128_wrap, id_aes192_CBC, id_aes192_wrap, id_aes256_CBC, id_aes256_wrap } from "../asn1/cms_oids.js";

/** Key sizes (octets) of the AES-CBC content and key-encryption ciphers (RFC 9481 §5.1, RFC 3565 §4). */
export const AES_CBC_KEY_BYTES: Readonly<Record<string, number>> = { [id_aes128_CBC]: 16, [id_aes192_CBC]: 24, [id_aes256_CBC]: 32 };

/** Key sizes (octets) of the AES key wrap algorithms (RFC 9481 §4.3.1, RFC 3394). */
export const AES_WRAP_KEY_BYTES: Readonly<Record<string, number>> = { [id_aes128_wrap]: 16, [id_aes192_wrap]: 24, [id_aes256_wrap]: 32 };
