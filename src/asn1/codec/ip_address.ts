/**
 * GeneralName iPAddress (RFC 5280 §4.2.1.6): asn1-x509 holds it as text
 * ("192.0.2.1", "2001:db8::1", and for name constraints, §4.2.1.10,
 * "192.0.2.0/24") and converts it with an IpConverter it does not export.
 * This is the encoding side of that, for the DER encoder: the octets of an
 * address (4 or 16) or of an address and its mask (8 or 32), written as
 * IpConverter.fromString writes them. Text that is no address is refused,
 * not guessed at (e.g. the dotted tail of "::ffff:192.0.2.7").
 */
export function ipAddressOctets(text: string): Uint8Array {
  const slash = text.indexOf("/");
  if (slash < 0) return addressOctets(text);
  const address = addressOctets(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > address.length * 8) throw new Error(`"${text}" has no valid prefix length`);
  const octets = new Uint8Array(address.length * 2);
  octets.set(address);
  for (let bit = 0; bit < prefix; bit++) octets[address.length + (bit >> 3)]! |= 0x80 >> (bit & 7);
  return octets;
}

function addressOctets(text: string): Uint8Array {
  if (/^(\d{1,3}\.){3}\d{1,3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    if (parts.some((part) => part > 255)) throw new Error(`"${text}" is not an IPv4 address`);
    return new Uint8Array(parts);
  }
  const halves = text.split("::");
  if (halves.length > 2) throw new Error(`"${text}" is not an IPv6 address`);
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) throw new Error(`"${text}" is not an IPv6 address`);
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const octets = new Uint8Array(16);
  groups.forEach((group, index) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) throw new Error(`"${text}" is not an IPv6 address`);
    const value = parseInt(group, 16);
    octets[index * 2] = value >> 8;
    octets[index * 2 + 1] = value & 0xff;
  });
  return octets;
}
