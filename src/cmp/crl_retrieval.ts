import type { GeneralName } from "@peculiar/asn1-x509";
import { encodeSequence } from "../asn1/der.js";
import type { CRLStatus } from "../asn1/general_message_values.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { sameDistinguishedName } from "../ca/distinguished_name.js";
import { prepareIssuer } from "../ca/issuer.js";
import { currentCrl, type PublishedCrl } from "../crl/crl_publisher.js";
import { publicationUrls } from "../crl/publication_urls.js";
import type { Exchange } from "./exchange.js";
import { committedStore } from "../store/message_store.js";

// CRLs by genm (RFC 9810 §5.3.19.6 currentCRL, §5.3.19.17 and RFC 9483
// §4.3.4 CRL update retrieval): the CA's one current CRL, the same one
// /crl/<caId>.crl serves (src/crl/crl_publisher.ts).

/** Most CRLStatus entries read from one id-it-crlStatusList; we have one CRL to give. */
export const MAX_CRL_STATUSES = 10;

/**
 * The CA's current CRL, built first when due; systemUnavail while another
 * instance builds the first one. Looked up once per message, however many
 * of its questions need it.
 */
export function ourCrl(exchange: Exchange): Promise<PublishedCrl> {
  let crl = looked.get(exchange);
  if (!crl) {
    // On the backend itself, not the message's batch: building a CRL takes a lease others must see at once, and its chunks would not fit one batch.
    crl = currentCrl({ ...exchange.context, store: committedStore(exchange.context.store) }).then((found) => {
      if (!found) throw new CmpError("systemUnavail", "the CA's first CRL is being built right now; try again in a few seconds");
      return found;
    });
    looked.set(exchange, crl);
  }
  return crl;
}

const looked = new WeakMap<Exchange, Promise<PublishedCrl>>();

/**
 * Every source of an id-it-crlStatusList must be ours: a distribution point
 * URI under which our CRL is published (publication.baseUrl, or a profile's
 * crlDistributionPoints: without cRLIssuer, a certificate's CDP names a CRL
 * of its issuer, RFC 5280 §4.2.1.13), or the CA's name (as issuer, or a
 * directoryName in the distribution point). RFC 9810 §5.3.19.17 treats the
 * source "as an internal pointer to identify a CRL that the server already
 * has"; for any other source we have none, and id-it-crls without value
 * would tell the client that its CRL of that source is current, which we
 * do not know. So another source is refused with badRequest, naming it.
 */
export async function checkCrlSources(exchange: Exchange, statuses: readonly CRLStatus[]): Promise<void> {
  const urls = await ourCrlUrls(exchange);
  for (const status of statuses) {
    const foreign = foreignSource(status, urls, exchange);
    if (foreign !== undefined) {
      throw new CmpError("badRequest", `this CA publishes no CRL for the source ${foreign}; it serves its own CRL only (${[...urls].join(", ") || "by issuer name"})`);
    }
  }
}

/**
 * id-it-crlStatusList answered with id-it-crls (sources checked by
 * checkCrlSources): SEQUENCE SIZE (1..MAX) OF CertificateList holding our
 * current CRL when the client's CRL of one of its sources is older, or it
 * gave no thisUpdate; undefined (id-it-crls without value) when its CRL is
 * current: "The server SHALL only provide those CRLs that are more recent
 * than the ones indicated by the client." One CRL however many sources
 * name it.
 */
export async function crlsValue(exchange: Exchange, statuses: readonly CRLStatus[]): Promise<Uint8Array | undefined> {
  const crl = await ourCrl(exchange);
  const outdated = statuses.some((status) => !status.thisUpdate || status.thisUpdate.getTime().getTime() < crl.thisUpdate.getTime());
  return outdated ? encodeSequence([crl.der]) : undefined;
}

/** The URLs our CRL is published under: the deployment's, and those the profiles write into certificates. */
async function ourCrlUrls(exchange: Exchange): Promise<Set<string>> {
  const { config } = exchange.context;
  const urls = new Set<string>();
  if (config.publication.baseUrl !== undefined) {
    urls.add(publicationUrls(config.publication.baseUrl, (await prepareIssuer(exchange.context.ca)).keyIdentifier).crl);
  }
  for (const profile of config.profiles.values()) {
    for (const certificate of profile.certificateProfiles.values()) {
      for (const url of certificate.crlDistributionPoints ?? []) urls.add(url);
    }
  }
  return urls;
}

/** Undefined when the source names our CRL; otherwise a short description of it for the refusal. */
function foreignSource(status: CRLStatus, urls: ReadonlySet<string>, exchange: Exchange): string | undefined {
  const { dpn, issuer } = status.source;
  if (issuer) return issuer.some((name) => isOurs(name, urls, exchange)) ? undefined : `issuer ${describe(issuer[0])}`;
  if (dpn?.fullName) return dpn.fullName.some((name) => isOurs(name, urls, exchange)) ? undefined : `distribution point ${describe(dpn.fullName[0])}`;
  return "nameRelativeToCRLIssuer (this CA's CRLs have no such distribution point)";
}

function isOurs(name: GeneralName, urls: ReadonlySet<string>, exchange: Exchange): boolean {
  if (name.uniformResourceIdentifier !== undefined) return urls.has(name.uniformResourceIdentifier);
  if (name.directoryName) return sameDistinguishedName(name.directoryName, exchange.ca.name);
  return false;
}

function describe(name: GeneralName | undefined): string {
  if (!name) return "(empty)";
  const text = name.uniformResourceIdentifier ?? name.dNSName ?? name.rfc822Name;
  if (text !== undefined) return JSON.stringify(text.slice(0, 200).replace(/[^\x20-\x7e]/g, "?"));
  if (name.directoryName) return "(a directoryName other than this CA's)";
  return "(a GeneralName of another kind)";
}
