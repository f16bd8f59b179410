import { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import { id_it_implicitConfirm } from "../asn1/oids.js";
import type { PKIHeader } from "../asn1/pki_header.js";

/**
 * implicitConfirm in generalInfo (RFC 9810 §5.1.1.1): asked for in the
 * request, granted by the same ITAV in the response, and then no certConf
 * follows. ImplicitConfirmValue ::= NULL.
 */
export function implicitConfirmRequest(): InfoTypeAndValue {
  return new InfoTypeAndValue({ infoType: id_it_implicitConfirm, infoValue: Uint8Array.of(0x05, 0x00).buffer });
}

export function grantsImplicitConfirm(header: PKIHeader): boolean {
  return header.generalInfo?.some((itav) => itav.infoType === id_it_implicitConfirm) ?? false;
}
