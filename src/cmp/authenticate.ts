import type { PKIHeader } from "../asn1/pki_header.js";
import type { Profile } from "../config/profile.js";
import { isMacProtection } from "../crypto/mac_protection.js";
import { decodeBody, type DecodedRequest, type MessageShell } from "./decode.js";
import type { EngineContext } from "./engine_types.js";
import { checkHeader } from "./header_checks.js";
import { checkOriginalMessages } from "./original_message.js";
import { verifyProtection, type Credentials } from "./protection.js";
import { checkAuthenticatedProtectionKind, checkProtectionKind } from "./required_protection.js";

/** A request whose sender is known: what a body handler may act on. */
export interface AuthenticatedRequest {
  decoded: DecodedRequest;
  credentials: Credentials;
}

/**
 * Everything before a body handler that changes no state: the rest of the
 * message checked against the limits, the header checks, and the sender
 * authenticated by the message's protection. Throws CmpError.
 *
 * `forwardedBy`: the registration authority that forwarded this message
 * inside a nested one it protected (RFC 9483 §5.2.2). An inner message
 * without protection of its own is then taken as the RA's, as if the RA
 * had sent it on behalf of its end entity (RFC 9483 §5.3); one with
 * protection is authenticated on its own, since the RA's protection is no
 * approval of what it forwards (RFC 9483 §5.2.2.2).
 */
export async function authenticateRequest(
  shell: MessageShell,
  profile: Profile,
  context: EngineContext,
  now: Date,
  forwardedBy?: Credentials,
): Promise<AuthenticatedRequest> {
  const limits = context.config.limits;
  const header = shell.header;
  // Cheapest first, and the body's parse only for an authenticated sender (decode.ts).
  const decoded = decodeBody(shell, limits);
  checkHeader(header, decoded.type, now, limits);
  checkProtectionKind(decoded.type, macProtected(header));
  const verification = { profile, ca: context.ca, store: context.store, now, limits, sealer: context.sealer };
  const unprotected = header.protectionAlg === undefined && shell.protection === undefined;
  const credentials = forwardedBy?.registrationAuthority && unprotected ? forwardedBy : await verifyProtection(decoded, verification);
  return { decoded, credentials };
}

/**
 * The checks that need the sender known, after authenticateRequest; the
 * caller sets the answer's protection for that sender first, so that
 * these refusals reach it protected (a MAC answer to a MAC request).
 */
export async function checkAuthenticatedRequest({ decoded, credentials }: AuthenticatedRequest, profile: Profile, context: EngineContext, now: Date): Promise<void> {
  checkAuthenticatedProtectionKind(decoded.type, credentials);
  const verification = { profile, ca: context.ca, store: context.store, now, limits: context.config.limits, sealer: context.sealer };
  await checkOriginalMessages(decoded, verification);
}

/** Whether the header names MAC protection (PBM, PBMAC1), before anything is verified. */
export function macProtected(header: PKIHeader): boolean {
  return header.protectionAlg !== undefined && isMacProtection(header.protectionAlg);
}
