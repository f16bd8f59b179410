import { InfoTypeAndValue, InfoTypeAndValues } from "../asn1/info_type_and_value.js";
import { PKIBody } from "../asn1/pki_body.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { serializeDer } from "../asn1/serialize_der.js";

/** One InfoTypeAndValue (RFC 9810 §5.3.19): an id-it OID and, when it has one, the DER of its value. */
export interface InfoItem {
  infoType: string;
  infoValue?: Uint8Array;
}

/**
 * genm [21] GenMsgContent (RFC 9810 §5.3.19, RFC 9483 §4.3): the queries,
 * most of them an infoType without value (e.g. id-it-caCerts).
 */
export function genmBody(items: readonly (string | InfoItem)[]): Uint8Array {
  if (items.length === 0) throw new TypeError("genm needs at least one infoType (GenMsgContent is SIZE (1..MAX))");
  const itavs = items.map((item) => {
    const { infoType, infoValue } = typeof item === "string" ? { infoType: item, infoValue: undefined } : item;
    return new InfoTypeAndValue({ infoType, infoValue: infoValue ? (infoValue.slice().buffer as ArrayBuffer) : undefined });
  });
  return serializeDer(new PKIBody({ genm: new InfoTypeAndValues(itavs) }));
}

/** The genp's InfoTypeAndValues as received; what they mean is up to the caller, by infoType. */
export function readGeneralResponse(response: DecodedRequest): InfoItem[] {
  return [...response.message.body.genp!].map((itav) => ({
    infoType: itav.infoType,
    infoValue: itav.infoValue ? new Uint8Array(itav.infoValue) : undefined,
  }));
}
