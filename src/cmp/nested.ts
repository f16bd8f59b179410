import { bytesEqual, toHex } from "../asn1/bytes.js";
import { encodeSequence, encodeTlv, readElement } from "../asn1/der.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import type { PKIHeader } from "../asn1/pki_header.js";
import type { AuthenticatedRequest } from "./authenticate.js";
import { decodeShell, type MessageShell } from "./decode.js";
import type { CmpAnswer } from "./engine_types.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { pkiMessages } from "./original_message.js";

/**
 * nested (RFC 9810 §5.1.3.5, RFC 9483 §5.2.2): a registration authority
 * forwards its end entities' requests inside a message it protects.
 *
 * - Adding protection (RFC 9483 §5.2.2.1): one inner message, whose
 *   transactionID and senderNonce the nest copies. The answer is the inner
 *   message's own answer, as if it had come alone.
 * - Batching (RFC 9483 §5.2.2.2): inner messages of distinct transactions,
 *   the nest with a transactionID and senderNonce of its own. The answer is
 *   a nested message holding each inner message's answer, in the same
 *   order, signed by the CA.
 *
 * Only a registration authority the profile trusts may nest, and only
 * with a signature (checked before: required_protection.ts). The nest's
 * protection approves nothing inside it (§5.2.2.2): every inner message
 * is authenticated on its own, or, having no protection, taken as the RA's
 * own request on behalf of its end entity (authenticate.ts).
 *
 * All inner messages are authenticated before any is acted on: a nest with
 * one that does not authenticate is refused whole, naming it, and changes
 * nothing. After that each inner message stands alone: one that fails
 * (a bad POP, a refused template) gets its error answer in its place, and
 * its siblings are answered as they would be alone.
 */

/** The most messages one nest may carry: each costs a verification and a signature before anything is answered. */
export const NESTED_MAX_MESSAGES = 32;

/** How the engine treats one inner message: authenticate (no state change), then answer. */
export interface InnerMessages {
  authenticate(shell: MessageShell): Promise<AuthenticatedRequest>;
  answer(message: Uint8Array, authenticated: AuthenticatedRequest): Promise<CmpAnswer>;
}

export interface NestedResult extends HandlerResult {
  /** Adding protection: the inner message's whole answer, sent as it is. */
  answer?: Uint8Array;
}

export async function handleNested(exchange: Exchange, inner: InnerMessages): Promise<NestedResult> {
  const { credentials, request } = exchange;
  if (!credentials.registrationAuthority) {
    throw new CmpError("notAuthorized", `only a registration authority trusted by profile "${exchange.profile.name}" may send nested messages (RFC 9483 §5.2.2)`);
  }
  const messages = innerMessages(request.bodyDer);
  const shells = messages.map((message, index) => {
    const shell = decodeShell(message, exchange.context.config.limits);
    if (!shell) throw new CmpError("badDataFormat", `inner message #${index + 1} is not a DER-encoded PKIMessage`);
    // One level: RFC 9483 §5.2.2 nests end entities' messages, not nests.
    if (shell.type === "nested") throw new CmpError("badRequest", `inner message #${index + 1} is itself nested; one level of nesting is served`);
    return shell;
  });
  const outer = request.message.header;
  const addedProtection = shells.length === 1 && isAddedProtection(outer, shells[0]!.header);
  if (!addedProtection) checkBatch(outer, shells);

  const authenticated: AuthenticatedRequest[] = [];
  for (const [index, shell] of shells.entries()) {
    try {
      authenticated.push(await inner.authenticate(shell));
    } catch (error) {
      if (!(error instanceof CmpError) || addedProtection) throw error;
      throw new CmpError([...error.failInfo], `inner message #${index + 1} (${shell.type ?? "unknown"}): ${error.message}`, { cause: error });
    }
  }

  const answers: CmpAnswer[] = [];
  for (const [index, message] of messages.entries()) answers.push(await inner.answer(message, authenticated[index]!));
  exchange.log.nested = answers.map((answer) => answer.log);
  if (addedProtection) {
    const only = answers[0]!;
    return { answer: only.body, body: new Uint8Array(0), responseType: only.log.responseType ?? "error", outcome: only.log.outcome };
  }
  const accepted = answers.filter((answer) => answer.log.outcome !== "error").length;
  return {
    // PKIBody nested [20] NestedMessageContent ::= PKIMessages (RFC 9810 §5.1.2).
    body: encodeTlv(0xb4, [encodeSequence(answers.map((answer) => answer.body))]),
    responseType: "nested",
    outcome: `answered ${answers.length} (${accepted} without error)`,
  };
}

/** The inner messages of a nested body ([20] EXPLICIT PKIMessages), each as its DER, within NESTED_MAX_MESSAGES. */
function innerMessages(bodyDer: Uint8Array): Uint8Array[] {
  let content: Uint8Array;
  try {
    const body = readElement(bodyDer, 0);
    content = bodyDer.subarray(body.contentStart, body.end);
  } catch {
    throw new CmpError("badDataFormat", "the nested body is not DER");
  }
  const messages = pkiMessages(content);
  if (messages.length > NESTED_MAX_MESSAGES) {
    throw new CmpError("badRequest", `a nested message may hold at most ${NESTED_MAX_MESSAGES} messages, this one holds ${messages.length}`);
  }
  return messages;
}

/**
 * RFC 9483 §5.2.2.1: the nest that adds protection to one message MUST copy
 * its transactionID and senderNonce. Copying one and not the other is a
 * mistake, refused; copying neither makes it a batch of one (§5.2.2.2).
 */
function isAddedProtection(outer: PKIHeader, inner: PKIHeader): boolean {
  const sameTransaction = sameBytes(outer.transactionID, inner.transactionID);
  const sameNonce = sameBytes(outer.senderNonce, inner.senderNonce);
  if (sameTransaction && !sameNonce) {
    throw new CmpError("badSenderNonce", "a nested message adding protection must copy the senderNonce of the message it protects (RFC 9483 §5.2.2.1)");
  }
  if (sameNonce && !sameTransaction) {
    throw new CmpError("badRequest", "a nested message adding protection must copy the transactionID of the message it protects (RFC 9483 §5.2.2.1)");
  }
  return sameTransaction && sameNonce;
}

/**
 * RFC 9483 §5.2.2.2: a batch has a transactionID and senderNonce of its
 * own, and the messages in it are of distinct transactions, each with its
 * own senderNonce; anything else would make answers and transactions
 * ambiguous. Checked before anything inside is looked at further.
 */
function checkBatch(outer: PKIHeader, shells: readonly MessageShell[]): void {
  const transactions = new Set<string>([hexOf(outer.transactionID)]);
  const nonces = new Set<string>([hexOf(outer.senderNonce)]);
  for (const [index, { header }] of shells.entries()) {
    if (header.transactionID && !add(transactions, hexOf(header.transactionID))) {
      throw new CmpError("transactionIdInUse", `inner message #${index + 1} repeats a transactionID of the nest or of another message in it (RFC 9483 §5.2.2.2)`);
    }
    if (header.senderNonce && !add(nonces, hexOf(header.senderNonce))) {
      throw new CmpError("badSenderNonce", `inner message #${index + 1} repeats a senderNonce of the nest or of another message in it (RFC 9483 §5.2.2.2)`);
    }
  }
}

function add(set: Set<string>, value: string): boolean {
  if (set.has(value)) return false;
  set.add(value);
  return true;
}

function hexOf(value: ArrayBuffer | undefined): string {
  return value ? toHex(value) : "";
}

function sameBytes(a: ArrayBuffer | undefined, b: ArrayBuffer | undefined): boolean {
  return a !== undefined && b !== undefined && bytesEqual(new Uint8Array(a), new Uint8Array(b));
}

