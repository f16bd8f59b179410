import { toHex } from "../asn1/bytes.js";

/**
 * The URLs under the deployment's public base URL where relying parties
 * find revocation status and the CA certificate, as issued certificates
 * name them (RFC 5280 §4.2.1.13 cRLDistributionPoints, §4.2.2.1
 * authorityInfoAccess) and as the HTTP routes serve them
 * (src/http/publication.ts). One CRL and one CA certificate per CA key, so
 * both are named by the CA's key identifier; the OCSP responder is one.
 */
export interface PublicationUrls {
  crl: string;
  ocsp: string;
  caIssuers: string;
}

export function publicationUrls(baseUrl: string, caKeyIdentifier: Uint8Array): PublicationUrls {
  const caId = toHex(caKeyIdentifier);
  return { crl: `${baseUrl}/crl/${caId}.crl`, ocsp: `${baseUrl}/ocsp`, caIssuers: `${baseUrl}/ca/${caId}.crt` };
}
