import { bytesEqual } from "../asn1/bytes.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { CmpClientError } from "./errors.js";

/** RFC 9483 §3.1: nonces carry at least 128 bits. */
const MIN_NONCE_BYTES = 16;

/** What our message said that the answer must echo. */
export interface SentHeader {
  pvno: number;
  transactionID: Uint8Array;
  senderNonce: Uint8Array;
}

/**
 * The header checks OpenSSL's client makes of every response
 * (ossl_cmp_msg_check_update), done after the protection verified so that
 * each failure is a fault of an authentic message: the same pvno (RFC 9810
 * §7), a directoryName sender (RFC 9483 §3.1), our transactionID, our
 * senderNonce as recipNonce (RFC 9810 §5.1.1: this binds the answer to
 * this very request, so a replayed older answer fails), and a fresh
 * senderNonce for us to echo next.
 */
export function checkResponseHeader(header: PKIHeader, sent: SentHeader): Uint8Array {
  if (header.pvno !== sent.pvno) throw violation(`pvno ${header.pvno} answers our pvno ${sent.pvno}`);
  if (!header.sender.directoryName) throw violation("the sender is not a directoryName (RFC 9483 §3.1)");
  if (!header.transactionID || !bytesEqual(new Uint8Array(header.transactionID), sent.transactionID)) {
    throw violation("the transactionID is not the one of our request");
  }
  if (!header.recipNonce || !bytesEqual(new Uint8Array(header.recipNonce), sent.senderNonce)) {
    throw violation("the recipNonce is not the senderNonce of our request (a replayed or misrouted answer?)");
  }
  if (!header.senderNonce || header.senderNonce.byteLength < MIN_NONCE_BYTES) {
    throw violation(`the senderNonce is missing or shorter than ${MIN_NONCE_BYTES} bytes (RFC 9483 §3.1)`);
  }
  return new Uint8Array(header.senderNonce);
}

function violation(reason: string): CmpClientError {
  return new CmpClientError("protocol", `response refused: ${reason}`);
}
