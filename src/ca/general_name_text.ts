import { GeneralName, GeneralNames } from "@peculiar/asn1-x509";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { serializeDer } from "../asn1/serialize_der.js";

/**
 * SubjectAltNames as operators write them, in OpenSSL's notation:
 * "DNS:host.example", "IP:192.0.2.7", "email:user@example.com",
 * "URI:urn:example:1". Registrations store them this way, and requests are
 * compared after formatting their GeneralNames the same way.
 */
const KINDS = [
  ["DNS", "dNSName"],
  ["IP", "iPAddress"],
  ["email", "rfc822Name"],
  ["URI", "uniformResourceIdentifier"],
] as const;

export function parseGeneralName(text: string): GeneralName {
  const colon = text.indexOf(":");
  const prefix = colon > 0 ? text.slice(0, colon) : "";
  const value = text.slice(colon + 1);
  const kind = KINDS.find(([name]) => name.toLowerCase() === prefix.toLowerCase());
  if (!kind || value === "") throw new Error(`"${text}" is not DNS:, IP:, email: or URI: followed by a value`);
  if (kind[1] === "iPAddress") {
    if (!isIpAddress(value)) throw new Error(`"${value}" is not an IPv4 or IPv6 address`);
    // Through the encoding and back: one spelling per address (2001:db8::1, not 2001:0db8:0:0::1; 10.0.0.1, not 010.0.0.1).
    return decodeDer(serializeDer(new GeneralName({ iPAddress: value })), GeneralName);
  }
  return new GeneralName({ [kind[1]]: kind[1] === "dNSName" ? value.toLowerCase() : value });
}

export function parseGeneralNames(texts: readonly string[]): GeneralNames {
  return new GeneralNames(texts.map(parseGeneralName));
}

/** The text form of a GeneralName, or undefined for kinds without one here (otherName, directoryName, ...). */
export function formatGeneralName(name: GeneralName): string | undefined {
  if (name.dNSName !== undefined) return `DNS:${name.dNSName.toLowerCase()}`;
  if (name.iPAddress !== undefined) return `IP:${name.iPAddress}`;
  if (name.rfc822Name !== undefined) return `email:${name.rfc822Name}`;
  if (name.uniformResourceIdentifier !== undefined) return `URI:${name.uniformResourceIdentifier}`;
  return undefined;
}

function isIpAddress(text: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(text)) return true;
  // IPv4-mapped IPv6 (::ffff:192.0.2.7) is refused: the encoder misreads the dotted part; write it as hex.
  if (text.includes(".")) return false;
  try {
    // The URL parser validates IPv6 literals.
    return text.includes(":") && new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}
