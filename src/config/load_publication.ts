import { allowOnly, asObject, ConfigError, integer, signerReference, type ConfigSource } from "./json_fields.js";
import type { Publication } from "./profile.js";

/**
 * Paths the server itself serves, which no profile's extra path may take:
 * CMP (RFC 9811 §3.3), the admin API, and what relying parties fetch
 * (CRLs, OCSP, the CA certificate), and the health check.
 */
export const RESERVED_PATHS = ["/.well-known/cmp", "/admin", "/crl", "/ocsp", "/ca", "/health"];

export const DEFAULT_PUBLICATION: Omit<Publication, "baseUrl" | "ocsp"> & { ocsp: Omit<Publication["ocsp"], "responder"> } = {
  // A day's CRL, renewed when less than six hours remain: relying parties that
  // cache it until nextUpdate never hold one older than a day (RFC 5280 §5.1.2.5).
  crl: { validitySeconds: 86_400, refreshSeconds: 21_600 },
  // RFC 5019 §6: responses are cacheable until nextUpdate; an hour bounds how
  // long a revocation stays unseen by a cache.
  ocsp: { validitySeconds: 3_600 },
};

/**
 * `publication`: where relying parties learn about revocations. The base URL
 * is the deployment's public origin (https://ca.example.com, or with a path
 * prefix); PUBLIC_BASE_URL, a plain setting, overrides it so that `npm start`
 * and each environment can say where they are reachable without editing the
 * JSON.
 */
export function loadPublication(value: unknown, source: ConfigSource): Publication {
  const object = value === undefined ? {} : asObject(value, "publication");
  allowOnly(object, ["baseUrl", "crl", "ocsp"], "publication");
  const fromSetting = typeof source.PUBLIC_BASE_URL === "string" && source.PUBLIC_BASE_URL !== "" ? source.PUBLIC_BASE_URL : undefined;
  const baseUrl = fromSetting !== undefined ? baseUrlOf(fromSetting, "PUBLIC_BASE_URL") : object.baseUrl === undefined ? undefined : baseUrlOf(object.baseUrl, "publication.baseUrl");

  const crlRaw = object.crl === undefined ? {} : asObject(object.crl, "publication.crl");
  allowOnly(crlRaw, ["validitySeconds", "refreshSeconds"], "publication.crl");
  const crl = { ...DEFAULT_PUBLICATION.crl };
  if (crlRaw.validitySeconds !== undefined) crl.validitySeconds = integer(crlRaw.validitySeconds, "publication.crl.validitySeconds", 300);
  if (crlRaw.refreshSeconds !== undefined) crl.refreshSeconds = integer(crlRaw.refreshSeconds, "publication.crl.refreshSeconds", 0);
  else crl.refreshSeconds = Math.min(crl.refreshSeconds, Math.floor(crl.validitySeconds / 4));
  if (crl.refreshSeconds >= crl.validitySeconds) {
    throw new ConfigError("publication.crl.refreshSeconds", "must be less than validitySeconds, or every fetch would renew the CRL");
  }

  const ocspRaw = object.ocsp === undefined ? {} : asObject(object.ocsp, "publication.ocsp");
  allowOnly(ocspRaw, ["validitySeconds", "responder"], "publication.ocsp");
  const ocsp: Publication["ocsp"] = { ...DEFAULT_PUBLICATION.ocsp };
  if (ocspRaw.validitySeconds !== undefined) ocsp.validitySeconds = integer(ocspRaw.validitySeconds, "publication.ocsp.validitySeconds", 60);
  ocsp.responder = signerReference(ocspRaw.responder, "publication.ocsp.responder", source);
  return { baseUrl, crl, ocsp };
}

/** An absolute http(s) URL without query, fragment or trailing slash: URLs of CRLs and OCSP are appended to it. */
function baseUrlOf(value: unknown, field: string): string {
  if (typeof value !== "string") throw new ConfigError(field, "must be an http or https URL");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, `"${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(field, "must be an http or https URL");
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new ConfigError(field, "must not carry a query, fragment or credentials");
  }
  return url.href.replace(/\/+$/, "");
}
