import { CmpError } from "../asn1/pki_failure_info.js";
import { NULL_DN } from "../asn1/general_name_der.js";
import { PVNO } from "../asn1/pki_header.js";
import { encodePKIHeader } from "../asn1/pki_header_der.js";
import { encodeSequence } from "../asn1/der.js";
import { errorBody } from "./bodies.js";

let answer: Uint8Array | undefined;

/**
 * The answer when no other could be built: an unprotected `error` PKIMessage
 * with systemFailure (RFC 9810 §5.3.21), from the NULL-DN to the NULL-DN
 * (§5.1.1: the NULL-DN when a name is not known), depending on nothing of
 * the request, the CA or the configuration. A client learns that the
 * server failed, and a CMP client never sees HTTP 500.
 */
export function lastResortAnswer(): Uint8Array {
  answer ??= encodeSequence([
    encodePKIHeader({ pvno: PVNO.cmp2000, sender: NULL_DN, recipient: NULL_DN }),
    errorBody(new CmpError("systemFailure", "internal error while handling the request")),
  ]);
  return answer;
}
