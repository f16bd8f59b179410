import type { Name } from "@peculiar/asn1-x509";
import { encodeSequence, encodeTlv, readChildren, readElement } from "../asn1/der.js";
import { bytesEqual } from "../asn1/bytes.js";
import { decodeShell, type DecodedRequest } from "../cmp/decode.js";
import { PKIXCMP } from "../http/media_type.js";
import type { ClientContext } from "./context.js";
import { CmpClientError } from "./errors.js";
import { postCmp } from "./http.js";
import type { Fetch } from "./options.js";
import { encodeRequest } from "./request_message.js";
import { Transaction } from "./transaction.js";

/**
 * A registration authority's side of nested messages (RFC 9483 §5.2.2):
 * end entities' messages forwarded inside one the RA signs.
 */

/**
 * Batching (RFC 9483 §5.2.2.2): the messages in one nest with a
 * transactionID and senderNonce of its own, signed; the answer, a nest
 * signed by the CA, is verified like any answer, and its messages are
 * returned in the order of ours. Each is the answer to one end entity's
 * message, protected for that end entity, which checks it.
 */
export async function sendBatch(context: ClientContext, sender: Name, messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
  if (messages.length === 0) throw new TypeError("a batch needs at least one message (PKIMessages is SIZE (1..MAX))");
  const response = await new Transaction(context, sender).exchange(nestedBody(messages), ["nested"]);
  const answers = nestedMessages(response);
  if (answers.length !== messages.length) {
    throw new CmpClientError("protocol", `response refused: the nest answers ${answers.length} messages, ${messages.length} were sent`);
  }
  return answers;
}

/**
 * Adding protection (RFC 9483 §5.2.2.1): one end entity's message in a nest
 * that copies its transactionID and senderNonce, signed by us. The answer
 * is the end entity's own, returned unchanged after the checks that are
 * ours to make (it answers that message); its protection is for the end
 * entity to check, possibly with a secret only it and the CA share.
 */
export async function sendWithAddedProtection(context: ClientContext, sender: Name, message: Uint8Array): Promise<Uint8Array> {
  const shell = decodeShell(message);
  const transactionID = shell?.header.transactionID;
  const senderNonce = shell?.header.senderNonce;
  if (!transactionID || !senderNonce) throw new TypeError("the message to protect is not a PKIMessage with a transactionID and a senderNonce");
  const request = await encodeRequest(
    { pvno: context.pvno, sender, recipient: context.recipient, now: context.now(), transactionID: new Uint8Array(transactionID), senderNonce: new Uint8Array(senderNonce) },
    nestedBody([message]),
    context.protection,
  );
  const answer = await postCmp(context.transport, request);
  const answered = decodeShell(answer.body);
  const recipNonce = answered?.header.recipNonce;
  if (!answered || !answered.header.transactionID || !bytesEqual(new Uint8Array(answered.header.transactionID), new Uint8Array(transactionID))) {
    throw new CmpClientError("protocol", "response refused: not a PKIMessage of the protected message's transaction");
  }
  if (!recipNonce || !bytesEqual(new Uint8Array(recipNonce), new Uint8Array(senderNonce))) {
    throw new CmpClientError("protocol", "response refused: the recipNonce is not the protected message's senderNonce");
  }
  return answer.body;
}

/**
 * A Fetch for end entities' CmpClients that sends the requests made through
 * it in batches (sendBatch) and answers each with its own answer: an RA
 * that collects its devices' requests, as a gateway would. A batch goes
 * when `size` requests wait, or `maxWaitMs` after the first of them.
 */
export function batchingFetch(send: (messages: Uint8Array[]) => Promise<Uint8Array[]>, size: number, maxWaitMs = 100): Fetch {
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`a batch size is a positive integer, not ${size}`);
  type Waiting = { message: Uint8Array; answer: (response: Response) => void; fail: (error: unknown) => void };
  let waiting: Waiting[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    send(batch.map((entry) => entry.message)).then(
      (answers) => batch.forEach((entry, index) => entry.answer(new Response(answers[index]!, { status: 200, headers: { "content-type": PKIXCMP } }))),
      (error) => batch.forEach((entry) => entry.fail(error)),
    );
  };
  return (_url, init) =>
    new Promise<Response>((answer, fail) => {
      waiting.push({ message: init.body, answer, fail });
      if (waiting.length >= size) flush();
      else timer ??= setTimeout(flush, maxWaitMs);
    });
}

/** PKIBody nested [20] NestedMessageContent ::= PKIMessages (RFC 9810 §5.1.2, §5.1.3.5). */
function nestedBody(messages: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(0xb4, [encodeSequence(messages)]);
}

function nestedMessages(response: DecodedRequest): Uint8Array[] {
  try {
    const body = readElement(response.bodyDer, 0);
    const sequence = readElement(response.bodyDer, body.contentStart);
    if (sequence.tag !== 0x30 || sequence.end !== body.end) throw new Error("not one SEQUENCE");
    return readChildren(response.bodyDer, sequence).map((element) => response.bodyDer.slice(element.start, element.end));
  } catch (error) {
    throw new CmpClientError("protocol", `response refused: the nested body is not PKIMessages (${error instanceof Error ? error.message : String(error)})`);
  }
}
