import { ErrorMsgContent } from "../asn1/error_msg_content.js";
import { PKIBody, PKIBodyTypes, type PKIBodyType } from "../asn1/pki_body.js";
import type { CmpError } from "../asn1/pki_failure_info.js";
import { PKIFreeText } from "../asn1/pki_free_text.js";
import { PKIFailureInfoBits, PKIStatus, PKIStatusInfo } from "../asn1/pki_status.js";
import { PKIStatusInfos, RevRepContent } from "../asn1/revocation.js";
import { encodeExplicit, encodeSequence, encodeTlv } from "../asn1/der.js";
import { serializeDer } from "../asn1/serialize_der.js";

/** PKIStatusInfo for an error: rejection, the reason as text, and the failInfo bits (RFC 9810 §5.2.3). */
export function rejectionStatus(error: CmpError): PKIStatusInfo {
  return new PKIStatusInfo({
    status: PKIStatus.rejection,
    statusString: new PKIFreeText([error.message.slice(0, 1000)]),
    failInfo: error.failInfo.length > 0 ? PKIFailureInfoBits.fromNames(error.failInfo) : undefined,
  });
}

/** error [23] ErrorMsgContent (RFC 9810 §5.3.21). */
export function errorBody(error: CmpError): Uint8Array {
  const body = new PKIBody({ error: new ErrorMsgContent({ pKIStatusInfo: rejectionStatus(error) }) });
  return serializeDer(body);
}

/**
 * error [23] ErrorMsgContent with status waiting (RFC 9810 §5.3.21: "by a
 * PKI management entity to initiate delayed delivery of responses"; RFC
 * 9483 §4.4): how an rr or genm that waits is answered; the client polls
 * with pollReq certReqId -1 (RFC 9810 §5.3.22).
 */
export function waitingErrorBody(text: string): Uint8Array {
  const status = new PKIStatusInfo({ status: PKIStatus.waiting, statusString: new PKIFreeText([text.slice(0, 1000)]) });
  return serializeDer(new PKIBody({ error: new ErrorMsgContent({ pKIStatusInfo: status }) }));
}

/** pkiconf [19] PKIConfirmContent ::= NULL (RFC 9810 §5.3.17). */
export function pkiConfBody(): Uint8Array {
  return serializeDer(new PKIBody({ pkiconf: null }));
}

/**
 * ip/cp/kup [1]/[3]/[8] CertRepMessage with one CertResponse (RFC 9810
 * §5.3.4). Assembled from DER pieces so that the certificates go out byte for
 * byte as signed and recorded, without a parse and re-encode.
 */
export function certRepBody(
  type: Extract<PKIBodyType, "ip" | "cp" | "kup">,
  response: { certReqId: number; status: PKIStatusInfo; certificate?: Uint8Array; privateKey?: Uint8Array },
  caPubs?: readonly Uint8Array[],
): Uint8Array {
  const certResponse = [encodeInteger(response.certReqId), serializeDer(response.status)];
  if (response.certificate) {
    // CertifiedKeyPair ::= SEQUENCE { certOrEncCert CertOrEncCert, privateKey [0] EncryptedKey OPTIONAL }; certificate [0] CMPCertificate.
    // RFC 9810 Appendix F is an EXPLICIT TAGS module: privateKey wraps the EncryptedKey CHOICE (envelopedData [0]) in [0].
    const pair = [encodeExplicit(0, response.certificate)];
    if (response.privateKey) pair.push(encodeExplicit(0, response.privateKey));
    certResponse.push(encodeSequence(pair));
  }
  const certRepMessage: Uint8Array[] = [];
  if (caPubs && caPubs.length > 0) certRepMessage.push(encodeExplicit(1, encodeSequence(caPubs)));
  certRepMessage.push(encodeSequence([encodeSequence(certResponse)]));
  return encodeTlv(0xa0 | PKIBodyTypes.indexOf(type), [encodeSequence(certRepMessage)]);
}

/** rp [12] RevRepContent with one status (RFC 9810 §5.3.10, RFC 9483 §4.2). */
export function rpBody(status: PKIStatusInfo): Uint8Array {
  return serializeDer(new PKIBody({ rp: new RevRepContent({ status: new PKIStatusInfos([status]) }) }));
}

/** DER INTEGER of a safe integer, minimal two's complement (X.690 §8.3). */
export function encodeInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = BigInt(value);
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (!((rest === 0n && (bytes[0]! & 0x80) === 0) || (rest === -1n && (bytes[0]! & 0x80) !== 0)));
  return encodeTlv(0x02, [Uint8Array.from(bytes)]);
}
