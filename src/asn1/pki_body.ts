import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { DecodeError } from "./decode_error.js";
import { parseChecked } from "./parse_der.js";
import { readElement } from "./der.js";
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
/**
 * The alternatives in tag order (the tag is the index), each with its type:
 * the one table both the PKIBody schema and parsePKIBody are made from.
 */
const ALTERNATIVES = [
  ["ir", CertReqMessages], ["ip", CertRepMessage], ["cr", CertReqMessages], ["cp", CertRepMessage],
  ["p10cr", CertificationRequest], ["popdecc", POPODecKeyChallContent], ["popdecr", POPODecKeyRespContent],
  ["kur", CertReqMessages], ["kup", CertRepMessage], ["krr", CertReqMessages], ["krp", KeyRecRepContent],
  ["rr", RevReqContent], ["rp", RevRepContent], ["ccr", CertReqMessages], ["ccp", CertRepMessage],
  ["ckuann", CAKeyUpdContent], ["cann", Certificate], ["rann", RevAnnContent], ["crlann", CertificateLists],
  ["pkiconf", AsnPropTypes.Null], ["nested", AsnPropTypes.Any], ["genm", InfoTypeAndValues],
  ["genp", InfoTypeAndValues], ["error", ErrorMsgContent], ["certConf", CertConfirmContent],
  ["pollReq", PollReqContent], ["pollRep", PollRepContent],
] as const;

@AsnType({ type: AsnTypeTypes.Choice })
export class PKIBody {
  ir?: CertReqMessages;
  ip?: CertRepMessage;
  cr?: CertReqMessages;
  cp?: CertRepMessage;
  p10cr?: CertificationRequest;
  popdecc?: POPODecKeyChallContent;
  popdecr?: POPODecKeyRespContent;
  kur?: CertReqMessages;
  kup?: CertRepMessage;
  krr?: CertReqMessages;
  krp?: KeyRecRepContent;
  rr?: RevReqContent;
  rp?: RevRepContent;
  ccr?: CertReqMessages;
  ccp?: CertRepMessage;
  ckuann?: CAKeyUpdContent;
  cann?: Certificate;
  rann?: RevAnnContent;
  crlann?: CertificateLists;
  pkiconf?: null;
  nested?: ArrayBuffer;
  genm?: InfoTypeAndValues;
  genp?: InfoTypeAndValues;
  error?: ErrorMsgContent;
  certConf?: CertConfirmContent;
  pollReq?: PollReqContent;
  pollRep?: PollRepContent;

  constructor(params: Partial<PKIBody> = {}) {
    Object.assign(this, params);
  }
}
// The decorators of the fields above, from the table: [tag] EXPLICIT type.
ALTERNATIVES.forEach(([name, type], context) => AsnProp({ type, context })(PKIBody.prototype, name));

/** The names of the PKIBody alternatives, in tag order (the tag is the index). */
export const PKIBodyTypes = ALTERNATIVES.map(([name]) => name);

export type PKIBodyType = (typeof ALTERNATIVES)[number][0];

/** Which alternative a decoded body holds. */
export function bodyType(body: PKIBody): PKIBodyType {
  for (const name of PKIBodyTypes) {
    if (body[name] !== undefined) return name;
  }
  throw new Error("PKIBody holds no alternative");
}

/**
 * Decode a PKIBody. The outer tag says which alternative it is, so only that
 * alternative's type is parsed, from the contents of the [tag]: a CHOICE
 * parse would try the alternatives in turn, which costs more than the
 * alternative itself for the later tags (certConf is [24]). Primitive
 * alternatives (pkiconf, nested) go through the CHOICE. Throws DecodeError
 * on anything that is not one well-formed PKIBody; the caller has walked
 * the bytes with checkDer already.
 */
export function parsePKIBody(der: Uint8Array): PKIBody {
  const outer = readElement(der, 0);
  if (outer.end !== der.length) throw new DecodeError("PKIBody: trailing bytes");
  const context = outer.tag ^ 0xa0;
  const alternative = context >= 0 && context < ALTERNATIVES.length ? ALTERNATIVES[context]! : undefined;
  if (!alternative) throw new DecodeError(`PKIBody: tag 0x${outer.tag.toString(16)} is no alternative`);
  const [name, type] = alternative;
  if (typeof type !== "function") return parseChecked(der, PKIBody);
  if (outer.contentStart === outer.end) throw new DecodeError(`PKIBody: [${context}] is empty`);
  const inner = readElement(der, outer.contentStart);
  if (inner.end !== outer.end) throw new DecodeError(`PKIBody: [${context}] holds more than one element`);
  return new PKIBody({ [name]: parseChecked(der.subarray(inner.start, inner.end), type as new () => object) });
}
