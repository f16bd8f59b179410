import { DecodeError } from "../asn1/decode_error.js";
import { CertProfileValue } from "../asn1/cert_profile_value.js";
import { id_it_certProfile } from "../asn1/oids.js";
import { parseChecked } from "../asn1/parse_der.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import type { Profile } from "../config/profile.js";
import { getCertificate } from "../ca/certificate_record.js";
import type { Exchange } from "./exchange.js";
import { printable } from "./protection.js";

/**
 * The certificate profiles a request names in its PKIHeader generalInfo
 * (id-it-certProfile, RFC 9810 §5.1.1.4; RFC 9483 §3.1: "certProfile ...
 * MAY be used by the EE to indicate a specific certificate profile"), one
 * per CertReqMsg or genm InfoTypeAndValue, in order. An empty string, or no
 * entry for a position, names none there: undefined.
 *
 * `allowed` is how many names the body can relate to: one for p10cr, the
 * number of CertReqMsgs or InfoTypeAndValues otherwise ("MUST NOT contain
 * more certificate profile names than ..."). More is badRequest, as are two
 * id-it-certProfile entries; a value that is absent, not a SEQUENCE OF
 * UTF8String, or empty (SIZE (1..MAX)) is badDataFormat.
 */
export function requestedCertProfiles(header: PKIHeader, allowed: number, what: string): (string | undefined)[] {
  const entries = (header.generalInfo ?? []).filter((info) => info.infoType === id_it_certProfile);
  if (entries.length === 0) return [];
  if (entries.length > 1) throw new CmpError("badRequest", "generalInfo carries id-it-certProfile more than once; name every profile in one CertProfileValue (RFC 9810 §5.1.1.4)");
  const value = entries[0]!.infoValue as ArrayBuffer | null | undefined;
  if (!value) throw new CmpError("badDataFormat", "id-it-certProfile in generalInfo has no value; it must be a CertProfileValue (RFC 9810 §5.1.1.4)");
  let names: string[];
  try {
    names = [...parseChecked(new Uint8Array(value), CertProfileValue)];
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new CmpError("badDataFormat", "id-it-certProfile is not a CertProfileValue (SEQUENCE OF UTF8String, RFC 9810 §5.1.1.4)", { cause: error });
  }
  if (names.length === 0) throw new CmpError("badDataFormat", "id-it-certProfile is empty; a CertProfileValue holds at least one name (RFC 9810 §5.1.1.4)");
  if (names.length > allowed) {
    throw new CmpError(
      "badRequest",
      `id-it-certProfile names ${names.length} certificate profiles, but ${what} allows at most ${allowed} (one per request it carries, RFC 9810 §5.1.1.4)`,
    );
  }
  return names.map((name) => (name === "" ? undefined : name));
}

/**
 * The CMP profile as it applies to a request that names certificate profile
 * `name`: that profile's rules in `certificate`. No name: the default, as
 * loaded. A name the profile does not offer is badCertTemplate ("the
 * requested certificate template was not acceptable", RFC 9810 §5.2.3),
 * naming what is offered.
 */
export function profileForCertProfile(profile: Profile, name: string | undefined): Profile {
  if (name === undefined || name === profile.certificateProfile) return profile;
  const certificate = profile.certificateProfiles.get(name);
  if (!certificate) {
    const offered = [...profile.certificateProfiles.keys()].join(", ");
    throw new CmpError("badCertTemplate", `certificate profile "${printable(name)}" is not offered by profile "${profile.name}" (it offers ${offered})`);
  }
  return { ...profile, certificate, certificateProfile: name };
}

/**
 * The exchange of an ir/cr/kur/p10cr with the certificate profile its
 * header names in effect, for everything that follows (the template checks,
 * the certificate, the record, a wait for approval). `requests` is how many
 * certificate requests the body carries.
 *
 * A kur that names none keeps the certificate profile of the certificate it
 * updates (RFC 9483 §4.1.3: the new certificate replaces it), as its record
 * says, while this profile still offers it; otherwise the default.
 */
export async function withRequestedCertProfile(exchange: Exchange, requests: number): Promise<Exchange> {
  const type = exchange.request.type;
  const what = `${/^[aeiou]/.test(type) ? "an" : "a"} ${type} with ${requests} request${requests === 1 ? "" : "s"}`;
  let [name] = requestedCertProfiles(exchange.request.message.header, type === "p10cr" ? 1 : requests, what);
  if (name === undefined && type === "kur") name = await updatedCertificateProfile(exchange);
  const profile = profileForCertProfile(exchange.profile, name);
  return profile === exchange.profile ? exchange : { ...exchange, profile };
}

/** The certificate profile the certificate a kur updates was issued under, if this profile still offers it. */
async function updatedCertificateProfile(exchange: Exchange): Promise<string | undefined> {
  const { credentials, profile } = exchange;
  if (credentials.kind !== "signature" || !credentials.issuedSerial) return undefined;
  const record = await getCertificate(exchange.context.store, credentials.issuedSerial);
  const name = record?.profile === profile.name ? record.certificateProfile : undefined;
  return name !== undefined && profile.certificateProfiles.has(name) ? name : undefined;
}
