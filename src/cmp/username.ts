import type { Name } from "@peculiar/asn1-x509";
import { attributeTypeOid } from "../ca/distinguished_name.js";
import type { UsernameSource } from "../config/profile.js";
import type { DecodedRequest } from "./decode.js";

/**
 * The end entity a request speaks for, found as the profile says (EJBCA's
 * "Extract Username Component"): the first value of a DN attribute of the
 * requested subject, or the MAC reference.
 */
export function requestedUsername(request: DecodedRequest, source: UsernameSource): string | undefined {
  if (source.from === "senderKID") {
    const kid = request.message.header.senderKID;
    return kid ? new TextDecoder().decode(kid) : undefined;
  }
  const subject = requestedSubject(request);
  return subject ? usernameIn(subject, source.attribute) : undefined;
}

/** The subject a certificate request asks for: the CRMF template's, or the CSR's. */
export function requestedSubject(request: DecodedRequest): Name | undefined {
  const body = request.message.body;
  if (body.p10cr) return body.p10cr.certificationRequestInfo.subject;
  const messages = body.ir ?? body.cr ?? body.kur;
  return messages?.[0]?.certReq.certTemplate.subject;
}

/** The first value of the attribute (by short name or OID) in a Name. */
export function usernameIn(name: Name, attribute: string): string | undefined {
  const oid = attributeTypeOid(attribute);
  for (const rdn of name) {
    for (const ava of rdn) {
      if (ava.type !== oid) continue;
      const value = ava.value;
      const text = value.utf8String ?? value.printableString ?? value.ia5String ?? value.bmpString ?? value.universalString ?? value.teletexString;
      if (text !== undefined) return text;
    }
  }
  return undefined;
}
