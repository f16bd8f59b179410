import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import type { Profile } from "../config/profile.js";
import { SignerError } from "../kms/signer.js";
import { StoreError } from "../store/store.js";
import { errorBody } from "./bodies.js";
import { caIdentity } from "./ca_identity.js";
import { handleCertConf } from "./cert_conf.js";
import { handleCertRequest } from "./cert_request.js";
import { handleP10cr } from "./p10cr.js";
import { handlePollRequest } from "./poll_request.js";
import { handleRevocationRequest } from "./revocation_request.js";
import { decodeRequest } from "./decode.js";
import type { CmpAnswer, CmpLogEntry, EngineContext } from "./engine_types.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { checkHeader } from "./header_checks.js";
import { toHex } from "../asn1/bytes.js";
import { isMacProtection } from "../crypto/mac_protection.js";
import type { CmpSigner } from "./cmp_signer.js";
import { printable, verifyProtection, type Credentials } from "./protection.js";
import { encodeResponse, type ResponseContext, type ResponseProtection } from "./response.js";

type BodyHandler = (exchange: Exchange) => Promise<HandlerResult>;

/** One small handler per body type, after the common checks (the cmp_server.c shape). */
const HANDLERS: Partial<Record<PKIBodyType, BodyHandler>> = {
  ir: handleCertRequest,
  cr: handleCertRequest,
  kur: handleCertRequest,
  p10cr: handleP10cr,
  rr: handleRevocationRequest,
  certConf: handleCertConf,
  pollReq: handlePollRequest,
};

/**
 * The protocol engine's one entry: request bytes in, response bytes out.
 * Every failure becomes an `error` PKIMessage carrying PKIFailureInfo bits
 * (DESIGN.md, "Errors are CMP messages"); only bytes that are not a
 * PKIMessage at all get HTTP 400.
 */
export async function handleCmp(request: Uint8Array, profile: Profile, context: EngineContext): Promise<CmpAnswer> {
  const now = context.now();
  const ca = caIdentity(context.ca);
  const log: CmpLogEntry = { profile: profile.name, outcome: "error" };
  const responseContext: ResponseContext = { ca, now, senderNonce: context.randomBytes(16) };

  const decoded = decodeRequest(request);
  if (!decoded) {
    const error = new CmpError("badDataFormat", "the request body is not a DER-encoded PKIMessage");
    return { httpStatus: 400, body: await answerError(responseContext, error, log), log };
  }
  const header = decoded.message.header;
  describeRequest(log, decoded.type, header);
  responseContext.request = header;
  responseContext.requestDer = decoded.headerDer;

  const signer = context.responseSigners?.get(profile.name) ?? ca.responseSigner;
  responseContext.protection = unauthenticatedProtection(decoded.message.header, profile, signer);
  try {
    checkHeader(header, decoded.type, now, context.config.limits);
    const credentials = await verifyProtection(decoded, {
      profile,
      ca: context.ca,
      store: context.store,
      now,
      maxIterations: context.config.limits.macMaxIterations,
      sealer: context.sealer,
    });
    responseContext.protection = authenticatedProtection(credentials, profile, signer);
    const handler = HANDLERS[decoded.type];
    if (!handler || !profile.bodyTypes.has(decoded.type)) {
      throw new CmpError("badRequest", `${decoded.type} messages are not served by profile "${profile.name}"`);
    }
    const result = await handler({
      request: decoded,
      credentials,
      profile,
      context,
      ca,
      now,
      senderNonce: responseContext.senderNonce,
      transactionID: log.transactionID!,
      log,
    });
    log.outcome = result.outcome;
    log.responseType = result.responseType;
    const body = await encodeResponse(responseContext, result.body, { generalInfo: result.generalInfo, extraCerts: result.extraCerts }).catch(async (error) => {
      // The answer cannot leave (its signature failed): take back what it would have delivered.
      await result.unsent?.().catch(() => undefined);
      throw error;
    });
    return { httpStatus: 200, body, log };
  } catch (thrown) {
    return { httpStatus: 200, body: await answerError(responseContext, toCmpError(thrown, context), log), log };
  }
}

/**
 * Protection of answers to an authenticated sender: mirror the request (a MAC
 * request gets a MAC answer with the same secret), or sign when the request was
 * signed or the profile says so (RFC 9483 §3.2).
 */
function authenticatedProtection(credentials: Credentials, profile: Profile, signer: CmpSigner): ResponseProtection {
  if (credentials.kind === "mac" && profile.responseProtection === "mirror") {
    return { kind: "mac", mac: credentials.mac, senderKID: credentials.senderKID, protectionAlgDer: credentials.protectionAlgDer };
  }
  return { kind: "signature", signer };
}

/**
 * Protection of answers before (or without) authentication. Never a MAC: an
 * unverified request must not get a MAC computed with our secret to attack
 * offline. A signature gives nothing away, so signed requests and profiles
 * that sign everything get signed errors, which the client can verify.
 */
function unauthenticatedProtection(header: PKIHeader, profile: Profile, signer: CmpSigner): ResponseProtection | undefined {
  const signedRequest = header.protectionAlg !== undefined && !isMacProtection(header.protectionAlg);
  return signedRequest || profile.responseProtection === "signature" ? { kind: "signature", signer } : undefined;
}

async function answerError(context: ResponseContext, error: CmpError, log: CmpLogEntry): Promise<Uint8Array> {
  log.outcome = "error";
  log.responseType = "error";
  log.failInfo = [...error.failInfo];
  log.reason = error.message;
  return encodeResponse(context, errorBody(error));
}

/** Map what lower layers throw to the PKIFailureInfo the client sees (RFC 9810 §5.2.3). */
function toCmpError(thrown: unknown, context: EngineContext): CmpError {
  if (thrown instanceof CmpError) return thrown;
  if (thrown instanceof SignerError) {
    context.warn("signer failed", { transient: thrown.transient, error: thrown.message });
    return thrown.transient
      ? new CmpError("systemUnavail", "the CA's signing service is unavailable; try again later", { cause: thrown })
      : new CmpError("systemFailure", "the CA could not sign the certificate", { cause: thrown });
  }
  if (thrown instanceof StoreError) {
    context.warn("store failed", { error: thrown.message });
    return new CmpError("systemUnavail", "the server's state store is unavailable; try again later", { cause: thrown });
  }
  // A bug, not bad input: say so without details, and log the details.
  context.warn("unexpected error while handling a CMP message", {
    error: thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown),
    stack: thrown instanceof Error ? thrown.stack : undefined,
  });
  return new CmpError("systemFailure", "internal error while handling the request", { cause: thrown });
}

function describeRequest(log: CmpLogEntry, type: PKIBodyType, header: PKIHeader): void {
  log.bodyType = type;
  if (header.transactionID) log.transactionID = toHex(header.transactionID);
  if (header.sender.directoryName) log.sender = formatDistinguishedName(header.sender.directoryName);
  // A MAC's senderKID is a reference chosen by people (-ref); a signer's is its key identifier.
  if (header.senderKID) {
    const mac = header.protectionAlg !== undefined && isMacProtection(header.protectionAlg);
    log.senderKID = mac ? printable(new TextDecoder().decode(header.senderKID)) : toHex(header.senderKID);
  }
}
