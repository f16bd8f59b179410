import { CertProfileValue } from "../asn1/cert_profile_value.js";
import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_certProfile } from "../asn1/oids.js";
import { serializeDer } from "../asn1/serialize_der.js";

/**
 * generalInfo id-it-certProfile (RFC 9810 §5.1.1.4, RFC 9483 §3.1): the
 * certificate profiles asked for, one per CertReqMsg or genm
 * InfoTypeAndValue, in order ("" for none at that position); undefined when
 * none is named.
 */
export function certProfileInfo(names: readonly string[] | undefined): InfoTypeAndValue | undefined {
  if (!names || names.length === 0 || names.every((name) => name === "")) return undefined;
  return new InfoTypeAndValue({ infoType: id_it_certProfile, infoValue: serializeDer(new CertProfileValue([...names])).slice().buffer as ArrayBuffer });
}
