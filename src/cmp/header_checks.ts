import { CmpError } from "../asn1/pki_failure_info.js";
import { PVNO, type PKIHeader } from "../asn1/pki_header.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { Limits } from "../config/profile.js";
import { id_it_confirmWaitTime, id_it_implicitConfirm } from "../asn1/oids.js";

/** Body types that open a transaction: they must not carry a recipNonce (RFC 9810 §5.1.1). */
const FIRST_MESSAGES: ReadonlySet<PKIBodyType> = new Set(["ir", "cr", "kur", "p10cr", "rr", "genm", "krr", "ccr"]);

/** RFC 9483 §3.1: transactionID and senderNonce carry at least 128 bits. */
const MIN_RANDOM_BYTES = 16;

/**
 * The checks every request passes before its protection is verified
 * (RFC 9483 §3.5). What they cannot know (the recipNonce of a later message,
 * which needs the transaction) is checked where the transaction is read.
 */
export function checkHeader(header: PKIHeader, type: PKIBodyType, now: Date, limits: Limits): void {
  if (header.pvno !== PVNO.cmp2000 && header.pvno !== PVNO.cmp2021) {
    throw new CmpError("unsupportedVersion", `pvno ${header.pvno} is not supported; use 2 (cmp2000) or 3 (cmp2021)`);
  }
  if (!header.transactionID || header.transactionID.byteLength < MIN_RANDOM_BYTES) {
    throw new CmpError("badDataFormat", `transactionID must be present and at least ${MIN_RANDOM_BYTES} bytes long (RFC 9483 §3.1)`);
  }
  if (!header.senderNonce || header.senderNonce.byteLength < MIN_RANDOM_BYTES) {
    throw new CmpError("badSenderNonce", `senderNonce must be present and at least ${MIN_RANDOM_BYTES} bytes long (RFC 9483 §3.1)`);
  }
  if (FIRST_MESSAGES.has(type) && header.recipNonce !== undefined) {
    throw new CmpError("badRecipientNonce", `recipNonce must be absent in the first message of a transaction (${type})`);
  }
  checkGeneralInfo(header);
  if (header.messageTime && limits.messageTimeToleranceSeconds > 0) {
    const skew = Math.abs(header.messageTime.getTime() - now.getTime()) / 1000;
    if (!(skew <= limits.messageTimeToleranceSeconds)) {
      throw new CmpError(
        "badTime",
        `messageTime ${header.messageTime.toISOString()} is ${Math.round(skew)} s away from the server's time; at most ${limits.messageTimeToleranceSeconds} s is accepted`,
      );
    }
  }
}

/**
 * The generalInfo items whose value RFC 9810 fixes (§5.1.1.1, §5.1.1.2): a
 * value of another type is a malformed header, whatever the body. Unknown
 * items are ignored (§5.1.1: generalInfo is for information the receiver
 * may not understand).
 */
function checkGeneralInfo(header: PKIHeader): void {
  const items = header.generalInfo ?? [];
  for (const item of items) {
    const value = item.infoValue ? new Uint8Array(item.infoValue) : undefined;
    if (item.infoType === id_it_implicitConfirm && value && !(value.length === 2 && value[0] === 0x05 && value[1] === 0x00)) {
      // ImplicitConfirmValue ::= NULL (RFC 9483 §3.1: MUST be NULL). An absent value says the same and is accepted.
      throw new CmpError("badRequest", "the value of implicitConfirm in generalInfo must be NULL (RFC 9810 §5.1.1.1, RFC 9483 §3.1)");
    }
    if (item.infoType === id_it_confirmWaitTime && (!value || value[0] !== GENERALIZED_TIME)) {
      throw new CmpError("badDataFormat", "the value of confirmWaitTime in generalInfo must be a GeneralizedTime (RFC 9810 §5.1.1.2, RFC 9483 §3.1)");
    }
  }
  // RFC 9483 §3.1: confirmWaitTime is prohibited when implicitConfirm is included (there is nothing to wait for).
  if (items.some((item) => item.infoType === id_it_implicitConfirm) && items.some((item) => item.infoType === id_it_confirmWaitTime)) {
    throw new CmpError("badRequest", "generalInfo asks for implicitConfirm and gives a confirmWaitTime; the two exclude each other (RFC 9483 §3.1)");
  }
}

const GENERALIZED_TIME = 0x18;
