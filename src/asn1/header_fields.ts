import { readChildren, readElement } from "./der.js";

/** GeneralName's directoryName alternative: [4] EXPLICIT Name (RFC 5280 §4.2.1.6; a CHOICE is always tagged explicitly). */
const DIRECTORY_NAME_TAG = 0xa4;

/**
 * The sender's Name in a received header, as the DER it was sent in, or
 * undefined when the sender is not a directoryName. Compared byte for byte
 * with a certificate's subject, so that a decode and re-encode cannot make
 * two different names look equal (RFC 9483 §3.1).
 *
 *   PKIHeader ::= SEQUENCE { pvno INTEGER, sender GeneralName, ... }
 */
export function senderNameDer(headerDer: Uint8Array): Uint8Array | undefined {
  const header = readElement(headerDer, 0);
  const sender = readChildren(headerDer, header)[1];
  if (!sender || sender.tag !== DIRECTORY_NAME_TAG) return undefined;
  const [name] = readChildren(headerDer, sender);
  return name ? headerDer.subarray(name.start, name.end) : undefined;
}

/** The sender GeneralName of a received header, as the DER it was sent in (to name it as recipient in the answer). */
export function senderDer(headerDer: Uint8Array): Uint8Array | undefined {
  const sender = readChildren(headerDer, readElement(headerDer, 0))[1];
  return sender ? headerDer.subarray(sender.start, sender.end) : undefined;
}

/** What the explicitly tagged optional field [tag] of a received header holds, as sent (e.g. [1] protectionAlg). */
export function taggedFieldDer(headerDer: Uint8Array, tag: number): Uint8Array | undefined {
  const field = readChildren(headerDer, readElement(headerDer, 0)).slice(3).find((element) => element.tag === (0xa0 | tag));
  if (!field) return undefined;
  const [inner] = readChildren(headerDer, field);
  return inner ? headerDer.subarray(inner.start, inner.end) : undefined;
}
