import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { CAKeyUpdContent } from "./announcement_content.js";
import { CertConfirmContent } from "./cert_confirm_content.js";
import { CertRepMessage } from "./cert_rep_message.js";
import { CertReqMessages } from "./cert_req_messages.js";
import { CertificateLists } from "./cmp_certificates.js";
import { ErrorMsgContent } from "./error_msg_content.js";
import { InfoTypeAndValues } from "./info_type_and_value.js";
import { KeyRecRepContent } from "./key_rec_rep_content.js";
import { PollRepContent, PollReqContent } from "./poll.js";
import { POPODecKeyChallContent, POPODecKeyRespContent } from "./pop_challenge.js";
import { RevAnnContent, RevRepContent, RevReqContent } from "./revocation.js";

/**
 * ```asn1
 * PKIBody ::= CHOICE {
 *     ir       [0]  CertReqMessages,        ip       [1]  CertRepMessage,
 *     cr       [2]  CertReqMessages,        cp       [3]  CertRepMessage,
 *     p10cr    [4]  CertificationRequest,   popdecc  [5]  POPODecKeyChallContent,
 *     popdecr  [6]  POPODecKeyRespContent,  kur      [7]  CertReqMessages,
 *     kup      [8]  CertRepMessage,         krr      [9]  CertReqMessages,
 *     krp      [10] KeyRecRepContent,       rr       [11] RevReqContent,
 *     rp       [12] RevRepContent,          ccr      [13] CertReqMessages,
 *     ccp      [14] CertRepMessage,         ckuann   [15] CAKeyUpdContent,
 *     cann     [16] CertAnnContent,         rann     [17] RevAnnContent,
 *     crlann   [18] CRLAnnContent,          pkiconf  [19] PKIConfirmContent,
 *     nested   [20] NestedMessageContent,   genm     [21] GenMsgContent,
 *     genp     [22] GenRepContent,          error    [23] ErrorMsgContent,
 *     certConf [24] CertConfirmContent,     pollReq  [25] PollReqContent,
 *     pollRep  [26] PollRepContent }
 * ```
 * RFC 9810 §5.1.2. Every alternative is decoded, so that a body type we do
 * not serve is answered with a precise badRequest rather than a parse error.
 * NestedMessageContent (PKIMessages) would make the schema recursive, so it is
 * kept as raw DER here; parseNestedMessages() in pki_message.ts decodes it.
 */
@AsnType({ type: AsnTypeTypes.Choice })
export class PKIBody {
  @AsnProp({ type: CertReqMessages, context: 0 }) ir?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 1 }) ip?: CertRepMessage;
  @AsnProp({ type: CertReqMessages, context: 2 }) cr?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 3 }) cp?: CertRepMessage;
  @AsnProp({ type: CertificationRequest, context: 4 }) p10cr?: CertificationRequest;
  @AsnProp({ type: POPODecKeyChallContent, context: 5 }) popdecc?: POPODecKeyChallContent;
  @AsnProp({ type: POPODecKeyRespContent, context: 6 }) popdecr?: POPODecKeyRespContent;
  @AsnProp({ type: CertReqMessages, context: 7 }) kur?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 8 }) kup?: CertRepMessage;
  @AsnProp({ type: CertReqMessages, context: 9 }) krr?: CertReqMessages;
  @AsnProp({ type: KeyRecRepContent, context: 10 }) krp?: KeyRecRepContent;
  @AsnProp({ type: RevReqContent, context: 11 }) rr?: RevReqContent;
  @AsnProp({ type: RevRepContent, context: 12 }) rp?: RevRepContent;
  @AsnProp({ type: CertReqMessages, context: 13 }) ccr?: CertReqMessages;
  @AsnProp({ type: CertRepMessage, context: 14 }) ccp?: CertRepMessage;
  @AsnProp({ type: CAKeyUpdContent, context: 15 }) ckuann?: CAKeyUpdContent;
  @AsnProp({ type: Certificate, context: 16 }) cann?: Certificate;
  @AsnProp({ type: RevAnnContent, context: 17 }) rann?: RevAnnContent;
  @AsnProp({ type: CertificateLists, context: 18 }) crlann?: CertificateLists;
  @AsnProp({ type: AsnPropTypes.Null, context: 19 }) pkiconf?: null;
  @AsnProp({ type: AsnPropTypes.Any, context: 20 }) nested?: ArrayBuffer;
  @AsnProp({ type: InfoTypeAndValues, context: 21 }) genm?: InfoTypeAndValues;
  @AsnProp({ type: InfoTypeAndValues, context: 22 }) genp?: InfoTypeAndValues;
  @AsnProp({ type: ErrorMsgContent, context: 23 }) error?: ErrorMsgContent;
  @AsnProp({ type: CertConfirmContent, context: 24 }) certConf?: CertConfirmContent;
  @AsnProp({ type: PollReqContent, context: 25 }) pollReq?: PollReqContent;
  @AsnProp({ type: PollRepContent, context: 26 }) pollRep?: PollRepContent;

  constructor(params: Partial<PKIBody> = {}) {
    Object.assign(this, params);
  }
}

/** The names of the PKIBody alternatives, in tag order (the tag is the index). */
export const PKIBodyTypes = [
  "ir", "ip", "cr", "cp", "p10cr", "popdecc", "popdecr", "kur", "kup", "krr", "krp", "rr", "rp",
  "ccr", "ccp", "ckuann", "cann", "rann", "crlann", "pkiconf", "nested", "genm", "genp", "error",
  "certConf", "pollReq", "pollRep",
] as const;

export type PKIBodyType = (typeof PKIBodyTypes)[number];

/** Which alternative a decoded body holds. */
export function bodyType(body: PKIBody): PKIBodyType {
  for (const name of PKIBodyTypes) {
    if (body[name] !== undefined) return name;
  }
  throw new Error("PKIBody holds no alternative");
}
