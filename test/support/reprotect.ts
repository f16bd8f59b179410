import { AsnConvert } from "@peculiar/asn1-schema";
import { PKIMessage, protectedPart } from "../../src/asn1/index.js";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../../src/asn1/der.js";
import { prepareMac } from "../../src/crypto/mac_protection.js";

/**
 * Change a MAC-protected message the way an attacker who knows the secret
 * (or a buggy client) would, and protect it again, so that a test reaches
 * the check after protection.
 */
export async function reprotect(der: Uint8Array, secret: string, change: (message: PKIMessage) => void): Promise<Uint8Array> {
  const message = AsnConvert.parse(der, PKIMessage);
  change(message);
  const header = new Uint8Array(AsnConvert.serialize(message.header));
  const body = new Uint8Array(AsnConvert.serialize(message.body));
  const mac = await prepareMac(message.header.protectionAlg!, new TextEncoder().encode(secret), 100_000);
  const protection = await mac.sign(protectedPart(header, body));
  const parts = [header, body, encodeExplicit(0, encodeOctetAlignedBitString(protection))];
  if (message.extraCerts) parts.push(encodeExplicit(1, encodeSequence(message.extraCerts.map((c) => new Uint8Array(AsnConvert.serialize(c))))));
  return encodeSequence(parts);
}
