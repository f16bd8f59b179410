import { encodeTlv } from "./der.js";

/**
 * GeneralName ::= CHOICE { ..., directoryName [4] Name, ... } (RFC 5280
 * §4.2.1.6): a Name's DER as the directoryName alternative. A CHOICE is
 * always tagged explicitly, so [4] wraps the Name whole.
 */
export function directoryName(nameDer: Uint8Array): Uint8Array {
  return encodeTlv(0xa4, [nameDer]);
}

/** The directoryName of the empty Name (RFC 9483 §3.1: the NULL-DN a sender uses when it has no name). */
export const NULL_DN: Uint8Array = directoryName(Uint8Array.of(0x30, 0x00));
