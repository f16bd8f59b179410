/**
 * X.520 and friends: the attribute types of distinguished names by OID and
 * short name, with the string type each is encoded with. Shared by DN text
 * parsing (src/ca) and configuration checks (src/config).
 */

/** A dotted object identifier. */
export const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export interface AttributeKind {
  oid: string;
  /** Short name used when formatting (RFC 4514 §3 table, else OpenSSL's). */
  name: string;
  /** The string type the value is encoded with. */
  encoding: "utf8" | "printable" | "ia5";
}

// RFC 4514 §3 names first; the rest as OpenSSL spells them. Country,
// serialNumber and dnQualifier are PrintableString by definition (RFC 5280
// Appendix A, X.520); domainComponent (RFC 4519 §2.4) and emailAddress
// (PKCS #9) are IA5String; every other DirectoryString is UTF8String, which
// RFC 5280 §4.1.2.6 says new certificates MUST use.
const KINDS: readonly AttributeKind[] = [
  { oid: "2.5.4.3", name: "CN", encoding: "utf8" },
  { oid: "2.5.4.7", name: "L", encoding: "utf8" },
  { oid: "2.5.4.8", name: "ST", encoding: "utf8" },
  { oid: "2.5.4.10", name: "O", encoding: "utf8" },
  { oid: "2.5.4.11", name: "OU", encoding: "utf8" },
  { oid: "2.5.4.6", name: "C", encoding: "printable" },
  { oid: "2.5.4.9", name: "STREET", encoding: "utf8" },
  { oid: "0.9.2342.19200300.100.1.25", name: "DC", encoding: "ia5" },
  { oid: "0.9.2342.19200300.100.1.1", name: "UID", encoding: "utf8" },
  { oid: "2.5.4.5", name: "serialNumber", encoding: "printable" },
  { oid: "2.5.4.4", name: "SN", encoding: "utf8" },
  { oid: "2.5.4.42", name: "GN", encoding: "utf8" },
  { oid: "2.5.4.43", name: "initials", encoding: "utf8" },
  { oid: "2.5.4.12", name: "title", encoding: "utf8" },
  { oid: "2.5.4.46", name: "dnQualifier", encoding: "printable" },
  { oid: "2.5.4.65", name: "pseudonym", encoding: "utf8" },
  { oid: "2.5.4.97", name: "organizationIdentifier", encoding: "utf8" },
  { oid: "2.5.4.17", name: "postalCode", encoding: "utf8" },
  { oid: "2.5.4.15", name: "businessCategory", encoding: "utf8" },
  { oid: "1.2.840.113549.1.9.1", name: "emailAddress", encoding: "ia5" },
];
export const BY_NAME = new Map(KINDS.map((kind) => [kind.name.toLowerCase(), kind]));
export const BY_OID = new Map(KINDS.map((kind) => [kind.oid, kind]));
BY_NAME.set("email", BY_NAME.get("emailaddress")!);

/** The short name of an attribute type ("CN", "serialNumber", ...), or undefined for an OID not in the table. */
export function attributeShortName(oid: string): string | undefined {
  return BY_OID.get(oid)?.name;
}

/**
 * The OID an attribute is named by: a short name from the table (any case,
 * "email" too) or a dotted OID; undefined for anything else.
 */
export function attributeTypeOid(nameOrOid: string): string | undefined {
  return BY_NAME.get(nameOrOid.toLowerCase())?.oid ?? (OID.test(nameOrOid) ? nameOrOid : undefined);
}

