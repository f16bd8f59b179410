import { CmpError } from "../asn1/pki_failure_info.js";
import { parseCertificate, type ParsedCertificate } from "./parsed_certificate.js";
import { bytesEqual } from "../asn1/bytes.js";
import { bytesKey } from "./bounded_cache.js";
import { assertModulusLimit, DEFAULT_RSA_MAX_MODULUS_BITS } from "./rsa_key.js";
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
export const DEFAULT_MAX_DEPTH = 4;

/**
 * Signature checks one validation may make unless the caller says
 * otherwise. Candidate issuers are found by name, and a hostile extraCerts
 * can hold many certificates with the same name and key identifier, each
 * making a candidate path that only a signature check tells apart; real
 * chains need one check per link, and checks already made for earlier
 * requests are free.
 */
export const DEFAULT_MAX_SIGNATURE_CHECKS = 16;

/**
 * Partial paths the name search makes, and complete candidate paths it
 * keeps. Both only bound lookups and byte comparisons (no signature is
 * checked while building), but same-name certificates that chain among
 * themselves make the number of paths grow as a power of the depth. A real
 * PKI, even a cross-certified one, has a handful of paths.
 */
const MAX_PARTIAL_PATHS = 256;
const MAX_CANDIDATE_PATHS = 64;

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
 * trusted (including giving up after `maxSignatureChecks`); badAlg
 * unchanged from signature verification (a refused algorithm such as SHA-1,
 * or an RSA key over `rsaMaxModulusBits`, on the only possible path);
 * badDataFormat when `certificate` itself is not a DER X.509 certificate.
 * Intermediates that cannot be parsed are skipped, as extraCerts may carry
 * anything.
 *
 * The work done before anything is trusted is bounded: paths are built by
 * names and key identifiers alone, and signatures are checked only along
 * paths that end in an anchor, from the anchor down, so a key from
 * extraCerts is used only once a trusted key has vouched for it.
 */
export async function validateCertificatePath(options: {
  certificate: Uint8Array;
  intermediates: readonly Uint8Array[];
  anchors: TrustAnchors;
  now: Date;
  /** Intermediate CA certificates a path may hold (default 4). */
  maxDepth?: number;
  /** Signature checks the validation may make before it gives up (default DEFAULT_MAX_SIGNATURE_CHECKS). */
  maxSignatureChecks?: number;
  /** Largest RSA modulus, in bits, a certificate signature is verified with (default DEFAULT_RSA_MAX_MODULUS_BITS). */
  rsaMaxModulusBits?: number;
}): Promise<ValidatedPath> {
  const { now } = options;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxSignatureChecks = options.maxSignatureChecks ?? DEFAULT_MAX_SIGNATURE_CHECKS;
  const rsaMaxModulusBits = options.rsaMaxModulusBits ?? DEFAULT_RSA_MAX_MODULUS_BITS;
  if (Number.isNaN(now.getTime())) throw new Error("validateCertificatePath: now is an invalid Date");
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new Error(`validateCertificatePath: bad maxDepth ${maxDepth}`);
  if (!Number.isSafeInteger(maxSignatureChecks) || maxSignatureChecks < 1) {
    throw new Error(`validateCertificatePath: bad maxSignatureChecks ${maxSignatureChecks}`);
  }
  assertModulusLimit(rsaMaxModulusBits, "validateCertificatePath");

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
  const candidates = search.candidatePaths(end);
  const verifier = new PathVerifier(end, maxSignatureChecks, rsaMaxModulusBits);
  for (const path of candidates) {
    if (await verifier.verify(path)) return { chain: path.map((cert) => cert.der), anchor: path[path.length - 1]!.der };
  }
  // A candidate path that failed a signature is nearer the truth than a
  // branch that never reached an anchor; giving up says the rest was not tried.
  throw verifier.failure ?? search.gaveUp() ?? search.failure ?? untrusted(noIssuerReason(end, "end-entity certificate"));
}

// ---------------------------------------------------------------- phase 1: paths by name

interface Candidate {
  cert: ParsedCertificate;
  isAnchor: boolean;
  /** Both key identifiers were present (and so matched): a likelier issuer than a name match alone. */
  keyIdMatch: boolean;
}

/** A complete path, end certificate first, anchor last, and how many of its links matched by key identifier. */
interface CandidatePath {
  certs: ParsedCertificate[];
  keyIdMatches: number;
}

/**
 * Builds candidate paths upward from the end certificate by names and key
 * identifiers only, no signature checked: RFC 5280 §6.1 validates a
 * prospective path given as input (§6.1.1 (a)), and how it is found is
 * left to the implementation (RFC 4158 §2.3 describes building in either
 * direction), so nothing forces building and verifying to interleave.
 * Interleaved, they verify with a key from extraCerts before anything has
 * vouched for it. Every certificate added is checked for what
 * does not need its issuer's key (validity, cA, keyCertSign,
 * pathLenConstraint, name constraints, critical extensions, the depth
 * limit): a path that cannot validate is not a candidate. Breadth first,
 * so paths with fewer links come first and a deep junk tree cannot starve
 * the short real path of the budget. Among the failures, the one reached
 * furthest up is kept: it is nearest to the real problem (a missing or
 * expired intermediate rather than "this junk certificate with the same
 * name is expired").
 */
class PathSearch {
  failure: CmpError | undefined;
  private failureRank = -1;
  private partialPaths = 0;
  private truncated: string | undefined;
  private readonly bySubject = new Map<string, Candidate[]>();
  private readonly issuersOf = new Map<ParsedCertificate, Candidate[]>();

  constructor(
    anchors: readonly ParsedCertificate[],
    intermediates: readonly ParsedCertificate[],
    private readonly now: Date,
    private readonly maxDepth: number,
  ) {
    // Indexed by subject once, so each step is a lookup, not a scan of extraCerts.
    for (const cert of anchors) this.index(cert, true);
    for (const cert of intermediates) this.index(cert, false);
  }

  /** Complete paths to an anchor, cheapest first: fewest links, then most key-identifier matches. */
  candidatePaths(end: ParsedCertificate): ParsedCertificate[][] {
    const found: CandidatePath[] = [];
    let frontier: CandidatePath[] = [{ certs: [end], keyIdMatches: 0 }];
    while (frontier.length > 0 && !this.truncated) {
      const next: CandidatePath[] = [];
      for (const partial of frontier) {
        this.extend(partial, found, next);
        if (this.truncated) break;
      }
      frontier = next;
    }
    // Breadth first already orders by length; the sort is stable, so ties keep the search order.
    return found
      .sort((a, b) => a.certs.length - b.certs.length || b.keyIdMatches - a.keyIdMatches)
      .map((path) => path.certs);
  }

  /** signerNotTrusted when the search stopped at one of its bounds, else undefined. */
  gaveUp(): CmpError | undefined {
    return this.truncated ? untrusted(`gave up building a path to a trust anchor after ${this.truncated}`) : undefined;
  }

  /** One step up from the top of `partial`: complete paths go to `found`, longer partial ones to `next`. */
  private extend(partial: CandidatePath, found: CandidatePath[], next: CandidatePath[]): void {
    const path = partial.certs;
    const child = path[path.length - 1]!;
    const level = path.length - 1; // intermediates already in the path
    // A certificate already in the path is not a candidate: that would be a loop.
    const candidates = this.issuers(child).filter(({ cert }) => !path.includes(cert));
    if (candidates.length === 0) {
      this.fail(2 * level, untrusted(noIssuerReason(child, level === 0 ? "end-entity certificate" : "intermediate CA certificate")));
      return;
    }
    for (const { cert, isAnchor, keyIdMatch } of candidates) {
      const problem = isAnchor
        ? caProblem(cert, "trust anchor", path, this.now)
        : path.length > this.maxDepth
          ? `intermediate CA certificate ${cert.label} would make the path longer than ${this.maxDepth} intermediate CA certificate(s)`
          : caProblem(cert, "intermediate CA certificate", path, this.now);
      if (problem) {
        this.fail(2 * level + 1, untrusted(problem));
        continue;
      }
      const longer = { certs: [...path, cert], keyIdMatches: partial.keyIdMatches + (keyIdMatch ? 1 : 0) };
      if (isAnchor) {
        found.push(longer);
        if (found.length >= MAX_CANDIDATE_PATHS) {
          this.truncated = `finding ${MAX_CANDIDATE_PATHS} candidate paths`;
          return;
        }
      } else {
        // Counted when made, not when extended: a partial path that will
        // never be extended must not take memory either.
        if (++this.partialPaths > MAX_PARTIAL_PATHS) {
          this.truncated = `considering ${MAX_PARTIAL_PATHS} partial paths`;
          return;
        }
        next.push(longer);
      }
    }
  }

  /**
   * RFC 5280 §6.1.4 (a)-(f) chain by name: the issuer's subject equals the
   * child's issuer, compared as DER (RFC 5280 §7.1 allows more lenient
   * matching; CAs copy the issuer's encoding, and exact bytes cannot be
   * fooled by string preparation differences). Where both key identifiers
   * are present they must match (RFC 5280 §4.2.1.1), which tells apart CAs
   * that share a name across a key rollover. Anchors first, then within
   * each group an explicit key identifier match first; every candidate
   * kept is valid now (caProblem), so validity needs no ordering.
   */
  private issuers(child: ParsedCertificate): Candidate[] {
    let known = this.issuersOf.get(child);
    if (known) return known;
    const sameName = this.bySubject.get(bytesKey(child.issuer)) ?? [];
    const matching = sameName
      .filter(({ cert }) => !(child.authorityKeyId && cert.subjectKeyId && !bytesEqual(child.authorityKeyId, cert.subjectKeyId)))
      .map((candidate) => ({ ...candidate, keyIdMatch: Boolean(child.authorityKeyId && candidate.cert.subjectKeyId) }));
    const rank = (c: Candidate) => (c.isAnchor ? 2 : 0) + (c.keyIdMatch ? 1 : 0);
    known = matching.sort((a, b) => rank(b) - rank(a));
    this.issuersOf.set(child, known);
    return known;
  }

  private index(cert: ParsedCertificate, isAnchor: boolean): void {
    const key = bytesKey(cert.subject);
    let group = this.bySubject.get(key);
    if (!group) this.bySubject.set(key, (group = []));
    group.push({ cert, isAnchor, keyIdMatch: false });
  }

  private fail(rank: number, error: CmpError): void {
    if (rank > this.failureRank) [this.failureRank, this.failure] = [rank, error];
  }
}

// ---------------------------------------------------------------- phase 2: signatures from the anchor down

/**
 * Verifies candidate paths from the anchor side, in the order of RFC 5280
 * §6.1: the working public key starts as the anchor's (§6.1.2 (h)), each
 * certificate is verified with it (§6.1.3 (a)(1)), and only then does the
 * certificate's own key become the working key (§6.1.4 (d)). So a key from
 * extraCerts verifies nothing until a trusted key has vouched for it, and
 * an attacker's keys (huge RSA exponents, many same-name copies) cost at
 * most the one failed check that refutes each. A path stops at its first
 * failing link. Links shared by several paths are checked once per
 * validation, and once per process while the certificates are recent
 * (CHECKED_SIGNATURES).
 */
class PathVerifier {
  failure: CmpError | undefined;
  private failureRank = -1;
  private signatureChecks = 0;
  private readonly verified = new Map<ParsedCertificate, Map<ParsedCertificate, CmpError | undefined>>();

  constructor(
    private readonly end: ParsedCertificate,
    private readonly maxSignatureChecks: number,
    private readonly rsaMaxModulusBits: number,
  ) {}

  /** Whether every link of `path` (end first, anchor last) verifies. */
  async verify(path: readonly ParsedCertificate[]): Promise<boolean> {
    for (let below = path.length - 2; below >= 0; below--) {
      const error = await this.signedBy(path[below]!, path[below + 1]!);
      if (error) {
        // The failure reached furthest down from the anchor is reported:
        // the most of its path was proven, so it is the likeliest meant.
        this.fail(path.length - 2 - below, error);
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 5280 §6.1.3 (a)(1): the child's signature verifies with the
   * issuer's public key, over the TBSCertificate bytes as received.
   * Undefined when it does; otherwise why not: badAlg (a refused algorithm
   * or RSA key) as received, a key that cannot be used or a signature that
   * does not verify as signerNotTrusted.
   */
  private async signedBy(child: ParsedCertificate, issuer: ParsedCertificate): Promise<CmpError | undefined> {
    let byIssuer = this.verified.get(child);
    if (byIssuer?.has(issuer)) return byIssuer.get(issuer);
    const settled = CHECKED_SIGNATURES.get(child)?.get(issuer);
    // A check made under another RSA limit may have passed a key this one refuses.
    let valid = settled?.rsaMaxModulusBits === this.rsaMaxModulusBits ? settled.valid : undefined;
    let error: CmpError | undefined;
    if (valid === undefined) {
      if (this.signatureChecks >= this.maxSignatureChecks) {
        throw untrusted(`gave up validating a path for ${this.end.label} after ${this.maxSignatureChecks} signature checks`);
      }
      this.signatureChecks++;
      try {
        valid = await verifySignature(issuer.spki, child.signatureAlgorithm, child.tbs, child.signature, {
          reuseKey: true,
          rsaMaxModulusBits: this.rsaMaxModulusBits,
        });
        rememberSignature(child, issuer, { valid, rsaMaxModulusBits: this.rsaMaxModulusBits });
      } catch (e) {
        if (!(e instanceof CmpError)) throw e;
        valid = false;
        error = e.failInfo.includes("badAlg") ? e : untrusted(`the public key of ${issuer.label} cannot be used: ${e.message}`);
      }
    }
    if (!valid && !error) error = untrusted(`the signature on ${child.label} does not verify with the key of ${issuer.label}`);
    if (!byIssuer) this.verified.set(child, (byIssuer = new Map()));
    byIssuer.set(issuer, error);
    return error;
  }

  private fail(rank: number, error: CmpError): void {
    if (rank > this.failureRank) [this.failureRank, this.failure] = [rank, error];
  }
}

/**
 * Signature checks already made, child certificate -> issuer certificate ->
 * whether it verified: the same signer's certificate comes back with every
 * request it signs. A check follows from the two certificates' bytes and
 * the RSA key limit it was made under, and parseCertificate gives the same
 * object for the same bytes while they are recent, so the objects key
 * this; what it forgets, it checks again. Only answers are kept, not
 * errors (a refused algorithm is thrown anew).
 */
interface SettledCheck {
  valid: boolean;
  rsaMaxModulusBits: number;
}

const CHECKED_SIGNATURES = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, SettledCheck>>();

function rememberSignature(child: ParsedCertificate, issuer: ParsedCertificate, check: SettledCheck): void {
  let byIssuer = CHECKED_SIGNATURES.get(child);
  if (!byIssuer) CHECKED_SIGNATURES.set(child, (byIssuer = new WeakMap()));
  byIssuer.set(issuer, check);
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
