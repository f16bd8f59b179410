import { readChildren, readElement } from "../asn1/der.js";
import { id_it_origPKIMessage } from "../asn1/oids.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { decodeBody, decodeShell, type DecodedRequest } from "./decode.js";
import { verifyProtection, type VerificationContext } from "./protection.js";

/**
 * origPKIMessage (RFC 9810 §5.1.1.3): an RA that changed an end entity's
 * request may put the original in generalInfo, so that the CA can check
 * where it came from and its proof of possession. Where it is there, the
 * CA checks it: every original that carries protection must verify as a
 * request of its own would (RFC 9483 §5.2.3.2), else badMessageCheck; an
 * unprotected original proves nothing and is passed over, as the RA's own
 * protection already vouches for the request.
 *
 * Outside a nested message it holds exactly one PKIMessage; in a nested
 * message's header as many as the nest holds, at most (§5.1.1.3).
 */
export async function checkOriginalMessages(request: DecodedRequest, context: VerificationContext): Promise<void> {
  const entries = request.message.header.generalInfo?.filter((info) => info.infoType === id_it_origPKIMessage) ?? [];
  if (entries.length === 0) return;
  if (entries.length > 1) throw new CmpError("badRequest", "generalInfo holds origPKIMessage more than once (RFC 9810 §5.1.1.3)");
  const value = entries[0]!.infoValue;
  if (!value) throw new CmpError("badDataFormat", "origPKIMessage has no value (RFC 9810 §5.1.1.3)");
  const originals = pkiMessages(new Uint8Array(value));
  if (request.type !== "nested" && originals.length !== 1) {
    throw new CmpError("badRequest", `origPKIMessage must hold exactly one PKIMessage outside a nested message, not ${originals.length} (RFC 9810 §5.1.1.3)`);
  }
  for (const [index, original] of originals.entries()) {
    const what = `origPKIMessage #${index + 1}`;
    const shell = decodeShell(original, context.limits);
    if (!shell) throw new CmpError("badDataFormat", `${what} is not a DER-encoded PKIMessage`);
    if (shell.header.protectionAlg === undefined && shell.protection === undefined) continue;
    try {
      await verifyProtection(decodeBody(shell, context.limits), context);
    } catch (error) {
      if (!(error instanceof CmpError)) throw error;
      throw new CmpError("badMessageCheck", `${what}: ${error.message}`, { cause: error });
    }
  }
}

/** The elements of `PKIMessages ::= SEQUENCE SIZE (1..MAX) OF PKIMessage`, each as its DER. */
export function pkiMessages(der: Uint8Array): Uint8Array[] {
  let messages: Uint8Array[];
  try {
    const sequence = readElement(der, 0);
    if (sequence.tag !== 0x30 || sequence.end !== der.length) throw new Error("not one SEQUENCE");
    messages = readChildren(der, sequence).map((element) => der.subarray(element.start, element.end));
  } catch (error) {
    throw new CmpError("badDataFormat", `PKIMessages is not DER: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (messages.length === 0) throw new CmpError("badDataFormat", "PKIMessages is empty (SIZE (1..MAX))");
  return messages;
}
