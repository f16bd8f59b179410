import { CmpError } from "../asn1/pki_failure_info.js";
import { parseCertificate, type ParsedCertificate } from "./parsed_certificate.js";
import { bytesEqual } from "../asn1/bytes.js";
import { verifySignature } from "./signature.js";

/**
 * Certification path validation (RFC 5280 §6.1) for the one question a CMP
 * server asks: may this signature-protected message be trusted, i.e. does
 * the protection certificate chain up to a configured trust anchor
 * (RFC 9810 §5.1.3.3, RFC 9483 §3.5)? It is the subset of §6.1 that
 * answers that: validity, basicConstraints, keyUsage, pathLenConstraint and
 * critical extensions. Policy processing (§6.1.3 (d)-(f)) is not done, since
 * no policy outcome is used; name constraints are refused rather than
 * ignored; revocation (§6.1.3 (a)(3)) is out of scope.
 */

const PARSED = Symbol("parsed trust anchors");

/** Parsed trust anchors, prepared once at start (see prepareTrustAnchors). */
export interface TrustAnchors {
  /** How many distinct anchors there are. */
  readonly size: number;
  readonly [PARSED]: readonly ParsedCertificate[];
}

export interface ValidatedPath {
  /** DER certificates from the end-entity certificate to the anchor, both included (a pinned end certificate: just itself). */
  chain: Uint8Array[];
  /** The anchor the path ends in (DER). */
  anchor: Uint8Array;
}

/** Intermediates a path may hold unless the caller says otherwise. */
const DEFAULT_MAX_DEPTH = 4;

/**
 * Signature checks one validation may make. Candidate issuers are found by
 * name, and a hostile extraCerts can hold many certificates with the same
 * name, so backtracking is bounded; real chains need one check per link.
 */
const MAX_SIGNATURE_CHECKS = 32;

/** Parse the anchors once (the runtime does this at start); throws a plain Error naming the bad one. */
export function prepareTrustAnchors(anchors: readonly Uint8Array[]): TrustAnchors {
  const parsed: ParsedCertificate[] = [];
  anchors.forEach((der, index) => {
    let cert: ParsedCertificate;
    try {
      // A copy: anchors live as long as the process and must not change under us.
      cert = parseCertificate(der.slice());
    } catch (e) {
      throw new Error(`trust anchor #${index + 1} is not a DER X.509 certificate: ${(e as Error).message}`);
    }
    if (!parsed.some((other) => bytesEqual(other.der, cert.der))) parsed.push(cert);
  });
  return { size: parsed.length, [PARSED]: parsed };
}

/**
 * Find and check a path from `certificate` to one of `anchors` at `now`.
 * Throws CmpError: signerNotTrusted for every reason the certificate is not
 * trusted; badAlg unchanged from signature verification (a refused
 * algorithm such as SHA-1 on the only possible path); badDataFormat when
 * `certificate` itself is not a DER X.509 certificate. Intermediates that
 * cannot be parsed are skipped, as extraCerts may carry anything.
 */
export async function validateCertificatePath(options: {
  certificate: Uint8Array;
  intermediates: readonly Uint8Array[];
  anchors: TrustAnchors;
  now: Date;
  maxDepth?: number;
}): Promise<ValidatedPath> {
  const { now } = options;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (Number.isNaN(now.getTime())) throw new Error("validateCertificatePath: now is an invalid Date");
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new Error(`validateCertificatePath: bad maxDepth ${maxDepth}`);

  let end: ParsedCertificate;
  try {
    end = parseCertificate(options.certificate);
  } catch (cause) {
    throw new CmpError("badDataFormat", "the protection certificate is not a DER X.509 certificate", { cause });
  }
  const anchors = options.anchors[PARSED];

  // RFC 5280 §6.1.3 (a)(2) and §6.1.5 (f) apply to the end certificate
  // whatever path it has, so its faults end the search at once.
  const endProblem = commonProblem(end, "end-entity certificate", now) ?? endEntityKeyUsageProblem(end);
  if (endProblem) throw untrusted(endProblem);

  // A pinned certificate: the operator trusts exactly these bytes (RFC 5280
  // §6.1.1 (d): the anchor's key and name are the input, nothing above it).
  const pinned = anchors.find((anchor) => bytesEqual(anchor.der, end.der));
  if (pinned) return { chain: [end.der], anchor: pinned.der };

  const search = new PathSearch(anchors, parseIntermediates(options.intermediates, end, anchors), now, maxDepth);
  const found = await search.extend([end]);
  if (found) return { chain: found.map((cert) => cert.der), anchor: found[found.length - 1]!.der };
  throw search.bestFailure(end);
}

// ---------------------------------------------------------------- search

interface Candidate {
  cert: ParsedCertificate;
  isAnchor: boolean;
}

/**
 * Depth-first path building from the end certificate upward, anchors tried
 * before intermediates, backtracking when a branch fails. Among the
 * failures the one reached furthest up is reported: it is nearest to the
 * real problem (a missing or expired intermediate rather than "this junk
 * certificate with the same name does not verify").
 */
class PathSearch {
  private failure: { rank: number; error: CmpError } | undefined;
  private signatureChecks = 0;
  private readonly verified = new Map<ParsedCertificate, Map<ParsedCertificate, boolean>>();

  constructor(
    private readonly anchors: readonly ParsedCertificate[],
    private readonly intermediates: readonly ParsedCertificate[],
    private readonly now: Date,
    private readonly maxDepth: number,
  ) {}

  /** A path from path[0] through path[last] to an anchor, or undefined. */
  async extend(path: readonly ParsedCertificate[]): Promise<ParsedCertificate[] | undefined> {
    const child = path[path.length - 1]!;
    const level = path.length - 1; // intermediates already in the path
    const candidates = this.candidates(child, path);
    if (candidates.length === 0) {
      this.fail(2 * level, untrusted(noIssuerReason(child, level === 0 ? "end-entity certificate" : "intermediate CA certificate")));
      return undefined;
    }
    for (const { cert, isAnchor } of candidates) {
      if (!(await this.signedBy(child, cert, 2 * level))) continue;
      // The candidate did sign: its faults are the real reason from here on.
      const problem = isAnchor
        ? caProblem(cert, "trust anchor", path, this.now)
        : path.length > this.maxDepth
          ? `intermediate CA certificate ${cert.label} would make the path longer than ${this.maxDepth} intermediate CA certificate(s)`
          : caProblem(cert, "intermediate CA certificate", path, this.now);
      if (problem) {
        this.fail(2 * level + 1, untrusted(problem));
        continue;
      }
      if (isAnchor) return [...path, cert];
      const found = await this.extend([...path, cert]);
      if (found) return found;
    }
    return undefined;
  }

  bestFailure(end: ParsedCertificate): CmpError {
    return this.failure?.error ?? untrusted(noIssuerReason(end, "end-entity certificate"));
  }

  /**
   * RFC 5280 §6.1.4 (a)-(f) chain by name: the issuer's subject equals the
   * child's issuer, compared as DER (RFC 5280 §7.1 allows more lenient
   * matching; CAs copy the issuer's encoding, and exact bytes cannot be
   * fooled by string preparation differences). Where both key identifiers
   * are present they must match (RFC 5280 §4.2.1.1), which tells apart CAs
   * that share a name across a key rollover. A certificate already in the
   * path is not a candidate: that would be a loop.
   */
  private candidates(child: ParsedCertificate, path: readonly ParsedCertificate[]): Candidate[] {
    const matches = (cert: ParsedCertificate) =>
      bytesEqual(cert.subject, child.issuer) &&
      !(child.authorityKeyId && cert.subjectKeyId && !bytesEqual(child.authorityKeyId, cert.subjectKeyId)) &&
      !path.includes(cert);
    // Within each group prefer an explicit key identifier match, then
    // certificates valid now: the likelier issuers are checked first.
    const score = (cert: ParsedCertificate) =>
      (child.authorityKeyId && cert.subjectKeyId ? 2 : 0) + (withinValidity(cert, this.now) ? 1 : 0);
    const ordered = (certs: readonly ParsedCertificate[]) =>
      certs.filter(matches).sort((a, b) => score(b) - score(a));
    return [
      ...ordered(this.anchors).map((cert) => ({ cert, isAnchor: true })),
      ...ordered(this.intermediates).map((cert) => ({ cert, isAnchor: false })),
    ];
  }

  /**
   * RFC 5280 §6.1.3 (a)(1): the child's signature verifies with the
   * candidate's public key, over the TBSCertificate bytes as received.
   * badAlg (refused algorithm) is recorded as received; a candidate key
   * that cannot be imported only disqualifies that candidate.
   */
  private async signedBy(child: ParsedCertificate, issuer: ParsedCertificate, rank: number): Promise<boolean> {
    let byIssuer = this.verified.get(child);
    const known = byIssuer?.get(issuer);
    if (known !== undefined) return known;
    const settled = CHECKED_SIGNATURES.get(child)?.get(issuer);
    if (settled === undefined && this.signatureChecks >= MAX_SIGNATURE_CHECKS) {
      throw untrusted(`gave up building a path for ${child.label} after ${MAX_SIGNATURE_CHECKS} signature checks`);
    }
    let valid = false;
    try {
      if (settled === undefined) {
        this.signatureChecks++;
        valid = await verifySignature(issuer.spki, child.signatureAlgorithm, child.tbs, child.signature, { reuseKey: true });
        rememberSignature(child, issuer, valid);
      } else {
        valid = settled;
      }
      if (!valid) this.fail(rank, untrusted(`the signature on ${child.label} does not verify with the key of ${issuer.label}`));
    } catch (e) {
      if (!(e instanceof CmpError)) throw e;
      this.fail(rank, e.failInfo.includes("badAlg") ? e : untrusted(`the public key of ${issuer.label} cannot be used: ${e.message}`));
    }
    if (!byIssuer) this.verified.set(child, (byIssuer = new Map()));
    byIssuer.set(issuer, valid);
    return valid;
  }

  private fail(rank: number, error: CmpError): void {
    if (!this.failure || rank > this.failure.rank) this.failure = { rank, error };
  }
}

/**
 * Signature checks already made, child certificate -> issuer certificate ->
 * whether it verified: the same signer's certificate comes back with every
 * request it signs. A check follows from the two certificates' bytes alone,
 * and parseCertificate gives the same object for the same bytes while they
 * are recent, so the objects key this; what it forgets, it checks again.
 * Only answers are kept, not errors (a refused algorithm is thrown anew).
 */
const CHECKED_SIGNATURES = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();

function rememberSignature(child: ParsedCertificate, issuer: ParsedCertificate, valid: boolean): void {
  let byIssuer = CHECKED_SIGNATURES.get(child);
  if (!byIssuer) CHECKED_SIGNATURES.set(child, (byIssuer = new WeakMap()));
  byIssuer.set(issuer, valid);
}

function noIssuerReason(cert: ParsedCertificate, role: string): string {
  if (bytesEqual(cert.subject, cert.issuer)) {
    // Typically a root sent in extraCerts: the client's, not ours.
    return `certificate ${cert.label} is self-issued and not a trust anchor`;
  }
  return `no issuer of ${role} ${cert.label} (issuer ${cert.issuerLabel}) among the trust anchors and the certificates sent`;
}

function untrusted(reason: string): CmpError {
  return new CmpError("signerNotTrusted", reason);
}

// ---------------------------------------------------------------- checks

/** RFC 5280 §4.2.1.3 bit numbers. */
const DIGITAL_SIGNATURE = 0;
const KEY_CERT_SIGN = 5;

/** Checks that apply to every certificate of the path; a reason, or undefined. */
function commonProblem(cert: ParsedCertificate, role: string, now: Date): string | undefined {
  // RFC 5280 §6.1.3 (a)(2). For an anchor too: an expired CA must not
  // vouch for anything, even though §6.1.1 (d) treats the anchor as bare
  // name and key; OpenSSL checks the root's validity the same way.
  if (now < cert.notBefore) return `${role} ${cert.label} is not valid before ${cert.notBefore.toISOString()}`;
  if (now > cert.notAfter) return `${role} ${cert.label} expired at ${cert.notAfter.toISOString()}`;
  // §4.2.1.10 name constraints are not implemented; ignoring them would
  // trust names the CA was forbidden to certify, so any are refused.
  if (cert.hasNameConstraints) return `${role} ${cert.label} has nameConstraints, which are not supported`;
  // RFC 5280 §4.2, §6.1.4 (o), §6.1.5 (f): an unrecognised critical
  // extension makes the certificate unusable.
  if (cert.unknownCritical.length > 0) {
    return `${role} ${cert.label} has an unrecognised critical extension ${cert.unknownCritical.join(", ")}`;
  }
  return undefined;
}

/** RFC 9483 §3.1: the protection certificate signs CMP messages. */
function endEntityKeyUsageProblem(cert: ParsedCertificate): string | undefined {
  if (cert.keyUsage && !hasBit(cert.keyUsage, DIGITAL_SIGNATURE)) {
    return `end-entity certificate ${cert.label} has keyUsage without digitalSignature`;
  }
  return undefined;
}

/**
 * A certificate that issues the one below it: RFC 5280 §6.1.4 (k) cA TRUE
 * (required of the anchor as well, unless it is the pinned end certificate,
 * so an anchored end-entity certificate cannot issue), (l)-(m)
 * pathLenConstraint, (n) keyCertSign.
 */
function caProblem(cert: ParsedCertificate, role: string, below: readonly ParsedCertificate[], now: Date): string | undefined {
  const common = commonProblem(cert, role, now);
  if (common) return common;
  if (!cert.basicConstraints?.cA) return `${role} ${cert.label} is not a CA certificate (basicConstraints cA is not TRUE)`;
  if (cert.keyUsage && !hasBit(cert.keyUsage, KEY_CERT_SIGN)) return `${role} ${cert.label} has keyUsage without keyCertSign`;
  const pathLen = cert.basicConstraints.pathLenConstraint;
  if (pathLen !== undefined) {
    // §6.1.4 (l): self-issued intermediates do not count; the end
    // certificate (below[0]) never does.
    const following = below.slice(1).filter((c) => !bytesEqual(c.subject, c.issuer)).length;
    if (following > pathLen) {
      return `${role} ${cert.label} allows ${pathLen} intermediate CA certificate(s) below it (pathLenConstraint), the path has ${following}`;
    }
  }
  return undefined;
}

function withinValidity(cert: ParsedCertificate, now: Date): boolean {
  return now >= cert.notBefore && now <= cert.notAfter;
}

function hasBit(bits: Uint8Array, bit: number): boolean {
  return ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
}

/** Each intermediate parsed once; unparsable ones, duplicates, the end certificate and anchors dropped. */
function parseIntermediates(
  ders: readonly Uint8Array[],
  end: ParsedCertificate,
  anchors: readonly ParsedCertificate[],
): ParsedCertificate[] {
  const parsed: ParsedCertificate[] = [];
  for (const der of ders) {
    const seen = (cert: ParsedCertificate) => bytesEqual(cert.der, der);
    if (seen(end) || anchors.some(seen) || parsed.some(seen)) continue;
    try {
      parsed.push(parseCertificate(der));
    } catch {
      // extraCerts may carry anything; a certificate we cannot read is not on our path.
    }
  }
  return parsed;
}
