import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import { formatDistinguishedName } from "../ca/distinguished_name.js";
import type { Profile } from "../config/profile.js";
import { SignerError } from "../kms/signer.js";
import { StoreError } from "../store/store.js";
import { entryCacheFor } from "../store/entry_cache.js";
import { MessageStore, StoreConflict } from "../store/message_store.js";
import { errorBody } from "./bodies.js";
import { caIdentity } from "./ca_identity.js";
import { handleCertConf } from "./cert_conf.js";
import { handleClientError } from "./client_error.js";
import { handleCertRequest } from "./cert_request.js";
import { handleGeneralMessage } from "./general_message.js";
import { handleP10cr } from "./p10cr.js";
import { handlePollRequest } from "./poll_request.js";
import { handleRevocationRequest } from "./revocation_request.js";
import { decodeShell } from "./decode.js";
import { lastResortAnswer } from "./last_resort.js";
import { DecodeError } from "../asn1/decode_error.js";
import type { CmpAnswer, CmpLogEntry, EngineContext } from "./engine_types.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { authenticateRequest, checkAuthenticatedRequest, macProtected, type AuthenticatedRequest } from "./authenticate.js";
import { handleNested, type InnerMessages, type NestedResult } from "./nested.js";
import { toHex } from "../asn1/bytes.js";
import type { CmpSigner } from "./cmp_signer.js";
import { printable, type Credentials } from "./protection.js";
import { encodeResponse, type ResponseContext, type ResponseProtection } from "./response.js";

type BodyHandler = (exchange: Exchange) => Promise<HandlerResult>;

/** One small handler per body type, after the common checks (the cmp_server.c shape). */
const HANDLERS: Partial<Record<PKIBodyType, BodyHandler>> = {
  ir: handleCertRequest,
  cr: handleCertRequest,
  kur: handleCertRequest,
  p10cr: handleP10cr,
  rr: handleRevocationRequest,
  genm: handleGeneralMessage,
  certConf: handleCertConf,
  pollReq: handlePollRequest,
  error: handleClientError,
};

/**
 * The protocol engine's one entry: request bytes in, response bytes out.
 * Every failure becomes an `error` PKIMessage carrying PKIFailureInfo bits
 * (DESIGN.md, "Errors are CMP messages"); only bytes that are not a
 * PKIMessage at all get HTTP 400. It never throws: whatever escapes the
 * steps below, even while an error answer is being built, still becomes an
 * error answer (see answerError and lastResortAnswer).
 */
export async function handleCmp(request: Uint8Array, profile: Profile, context: EngineContext): Promise<CmpAnswer> {
  // First on a MessageStore (one batch for the message's state); if a batch
  // condition failed, once more on the backend directly, call by call, where
  // a concurrent writer is met at the call it races with, as before.
  for (let attempt = 1; ; attempt++) {
    const log: CmpLogEntry = { profile: profile.name, outcome: "error" };
    const session = attempt === 1 ? new MessageStore(context.store, entryCacheFor(context.store), () => context.now().getTime()) : undefined;
    try {
      return await answerRequest(request, profile, session ? { ...context, store: session } : context, log, session);
    } catch (thrown) {
      if (thrown instanceof StoreConflict && session) continue;
      warnUnexpected(context, "could not answer a CMP message, not even with an error", thrown);
      describeFailure(log, SYSTEM_FAILURE);
      return { httpStatus: 200, body: lastResortAnswer(), log };
    }
  }
}

/**
 * One message, decoded to answered. `preauthenticated`: an inner message of
 * a nest, authenticated already with all its siblings (nested.ts); its
 * state goes into the nest's session, committed with the nest's answer.
 */
async function answerRequest(
  request: Uint8Array,
  profile: Profile,
  context: EngineContext,
  log: CmpLogEntry,
  session?: MessageStore,
  preauthenticated?: AuthenticatedRequest,
): Promise<CmpAnswer> {
  const now = context.now();
  const limits = context.config.limits;
  const ca = caIdentity(context.ca);
  const responseContext: ResponseContext = { ca, now, senderNonce: context.randomBytes(16) };

  const shell = decodeShell(request, limits);
  if (!shell) {
    const error = new CmpError("badDataFormat", "the request body is not a DER-encoded PKIMessage");
    return { httpStatus: 400, body: await answerError(responseContext, error, log, context), log };
  }
  const header = shell.header;
  responseContext.request = header;
  responseContext.requestDer = shell.headerDer;
  const signer = context.responseSigners?.get(profile.name) ?? ca.responseSigner;
  try {
    describeRequest(log, shell.type, header);
    responseContext.protection = unauthenticatedProtection(header, profile, signer);
    const authenticated = preauthenticated ?? (await authenticateRequest(shell, profile, context, now));
    const { decoded, credentials } = authenticated;
    responseContext.protection = await authenticatedProtection(credentials, profile, signer, context);
    if (!preauthenticated) await checkAuthenticatedRequest(authenticated, profile, context, now);
    const handler = decoded.type === "nested" ? undefined : HANDLERS[decoded.type];
    if ((!handler && decoded.type !== "nested") || !profile.bodyTypes.has(decoded.type)) {
      throw new CmpError("badRequest", `${decoded.type} messages are not served by profile "${profile.name}"`);
    }
    // A body that does not decode is badDataFormat here, before any handler starts its work.
    void decoded.message.body;
    const exchange = {
      request: decoded,
      credentials,
      profile,
      context,
      ca,
      now,
      senderNonce: responseContext.senderNonce,
      transactionID: log.transactionID!,
      log,
    };
    const result: NestedResult = handler ? await handler(exchange) : await handleNested(exchange, innerMessages(profile, context, now, credentials));
    log.outcome = result.outcome;
    log.responseType = result.responseType;
    const body = result.answer ?? await encodeResponse(responseContext, result.body, { generalInfo: result.generalInfo, extraCerts: result.extraCerts, pvno: result.pvno }).catch(async (error) => {
      // The answer cannot leave (its signature failed): take back what it would have delivered.
      await result.unsent?.().catch(() => undefined);
      throw error;
    });
    // The message's state, in one round trip, before the answer that reports it leaves.
    await session?.commit();
    return { httpStatus: 200, body, log };
  } catch (thrown) {
    if (thrown instanceof StoreConflict) throw thrown;
    let error = toCmpError(thrown, context);
    // What the message wrote before it failed stands, as it did when every write went out at once.
    if (session?.dirty && !session.isCommitted) {
      try {
        await session.commit();
      } catch (failed) {
        if (failed instanceof StoreConflict) throw failed;
        error = toCmpError(failed, context);
      }
    }
    return { httpStatus: 200, body: await answerError(responseContext, error, log, context), log };
  }
}

/** The inner messages of a nest from `forwardedBy`: authenticated each on its own, answered on the nest's store. */
function innerMessages(profile: Profile, context: EngineContext, now: Date, forwardedBy: Credentials): InnerMessages {
  return {
    async authenticate(shell) {
      const authenticated = await authenticateRequest(shell, profile, context, now, forwardedBy);
      await checkAuthenticatedRequest(authenticated, profile, context, now);
      return authenticated;
    },
    answer: (message, authenticated) => answerRequest(message, profile, context, { profile: profile.name, outcome: "error" }, undefined, authenticated),
  };
}

/**
 * Protection of answers to an authenticated sender: mirror the request (a MAC
 * request gets a MAC answer with the same secret and algorithms, under a salt
 * of our own: mac_protection.ts), or sign when the request was signed or the profile
 * says so (RFC 9483 §3.2).
 */
async function authenticatedProtection(credentials: Credentials, profile: Profile, signer: CmpSigner, context: EngineContext): Promise<ResponseProtection> {
  if (credentials.kind === "mac" && profile.responseProtection === "mirror") {
    return { kind: "mac", mac: await credentials.mac.answerKey(context.randomBytes, context.now().getTime()), senderKID: credentials.senderKID };
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
  const signedRequest = header.protectionAlg !== undefined && !macProtected(header);
  return signedRequest || profile.responseProtection === "signature" ? { kind: "signature", signer } : undefined;
}

/**
 * The error answer, protected where the request's credentials allow. If
 * protecting it fails (a signer that is down), it goes unprotected; if even
 * the header cannot be built from the request, it answers no request. Each
 * fallback is logged.
 */
async function answerError(context: ResponseContext, error: CmpError, log: CmpLogEntry, engine: EngineContext): Promise<Uint8Array> {
  describeFailure(log, error);
  const body = errorBody(error);
  try {
    return await encodeResponse(context, body);
  } catch (thrown) {
    if (context.protection) {
      engine.warn("could not protect an error answer; it is sent unprotected", { error: describeThrown(thrown) });
      try {
        return await encodeResponse({ ...context, protection: undefined }, body);
      } catch {
        // The request's header is the problem, not the protection: answer no request.
      }
    }
    warnUnexpected(engine, "could not answer with the request's header fields", thrown);
    return encodeResponse({ ca: context.ca, now: context.now, senderNonce: context.senderNonce }, body);
  }
}

function describeFailure(log: CmpLogEntry, error: CmpError): void {
  log.outcome = "error";
  log.responseType = "error";
  log.failInfo = [...error.failInfo];
  log.reason = error.message;
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
  // Bad input found below the engine's own checks (a value inside a value).
  if (thrown instanceof DecodeError) return new CmpError("badDataFormat", thrown.message.slice(0, 300), { cause: thrown });
  // A bug, not bad input: say so without details, and log the details.
  warnUnexpected(context, UNEXPECTED_ERROR, thrown);
  return new CmpError("systemFailure", SYSTEM_FAILURE.message, { cause: thrown });
}

/** The warning every unexpected exception leaves (the fuzzer and the tests look for it). */
export const UNEXPECTED_ERROR = "unexpected error while handling a CMP message";

const SYSTEM_FAILURE = new CmpError("systemFailure", "internal error while handling the request");

function warnUnexpected(context: EngineContext, message: string, thrown: unknown): void {
  try {
    context.warn(message, { error: describeThrown(thrown), stack: thrown instanceof Error ? thrown.stack : undefined });
  } catch {
    // A broken log sink must not stop the answer.
  }
}

function describeThrown(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

function describeRequest(log: CmpLogEntry, type: PKIBodyType | undefined, header: PKIHeader): void {
  log.bodyType = type;
  if (header.transactionID) log.transactionID = toHex(header.transactionID);
  if (header.sender.directoryName) log.sender = formatDistinguishedName(header.sender.directoryName);
  // A MAC's senderKID is a reference chosen by people (-ref); a signer's is its key identifier.
  if (header.senderKID) {
    const mac = macProtected(header);
    log.senderKID = mac ? printable(new TextDecoder().decode(header.senderKID)) : toHex(header.senderKID);
  }
}
