import { PKIBody } from "../asn1/pki_body.js";
import { PollReq, PollReqContent } from "../asn1/poll.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { readCertResponse, type CertResponseOutcome } from "./cert_response.js";
import { CmpClientError } from "./errors.js";
import type { Transaction } from "./transaction.js";
import { serializeDer } from "../asn1/serialize_der.js";
import type { PKIBodyType } from "../asn1/pki_body.js";


/** The least time between two polls, so a server answering checkAfter 0 is not polled in a tight loop. */
const MIN_POLL_INTERVAL_MS = 1_000;

/**
 * Delayed delivery (RFC 9810 §5.3.22, RFC 9483 §4.4): after a `waiting`
 * CertResponse, send pollReq for our certReqId at once and then after each
 * pollRep's checkAfter, until the final ip/cp/kup. A checkAfter that would
 * end beyond `limitMs` from the start fails at once with "timeout", as
 * OpenSSL's -total_timeout does, rather than sleeping in vain.
 */
export async function pollForCertificate(
  transaction: Transaction,
  responseType: "ip" | "cp" | "kup",
  certReqId: number,
  limitMs: number,
): Promise<{ response: DecodedRequest; outcome: Extract<CertResponseOutcome, { kind: "certificate" }> }> {
  const started = Date.now();
  const body = serializeDer(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId })]) }));
  for (;;) {
    const response = await transaction.exchange(body, ["pollRep", responseType]);
    if (response.type === responseType) {
      const outcome = readCertResponse(response, certReqId);
      if (outcome.kind === "waiting") throw new CmpClientError("protocol", `the ${responseType} answering pollReq says waiting again; a pollRep should`);
      return { response, outcome };
    }
    await waitAsPollRepSays(response, certReqId, started, limitMs);
  }
}

/** certReqId -1: polling for the complete response (RFC 9810 §5.3.22). */
const COMPLETE_RESPONSE = -1;

/**
 * A request other than a certificate request (rr, genm) whose answer may be
 * delayed (RFC 9483 §4.4): sent expecting `responseType`; an error message
 * with status "waiting" starts polling with pollReq certReqId -1 until the
 * final answer, pollRep meanwhile. Any other error is a CmpClientError
 * "rejected", as Transaction.exchange raises it.
 */
export async function exchangeAllowingDelay(
  transaction: Transaction,
  body: Uint8Array,
  responseType: PKIBodyType,
  limitMs: number,
  generalInfo?: Parameters<Transaction["exchange"]>[2],
): Promise<DecodedRequest> {
  const first = await transaction.exchange(body, [responseType], generalInfo, { waiting: true });
  if (first.type === responseType) return first;
  const started = Date.now();
  const poll = serializeDer(new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId: COMPLETE_RESPONSE })]) }));
  for (;;) {
    const response = await transaction.exchange(poll, ["pollRep", responseType]);
    if (response.type === responseType) return response;
    await waitAsPollRepSays(response, COMPLETE_RESPONSE, started, limitMs);
  }
}

/**
 * A pollRep (RFC 9810 §5.3.22) must answer our one certReqId with a
 * checkAfter in seconds; then wait that long (at least
 * MIN_POLL_INTERVAL_MS), unless it would pass `limitMs` from `started`.
 */
async function waitAsPollRepSays(response: DecodedRequest, certReqId: number, started: number, limitMs: number): Promise<void> {
  const [entry, ...others] = response.message.body.pollRep!;
  if (!entry || others.length > 0 || entry.certReqId !== certReqId) {
    throw new CmpClientError("protocol", `the pollRep must answer certReqId ${certReqId} alone`);
  }
  if (!Number.isSafeInteger(entry.checkAfter) || entry.checkAfter < 0) {
    throw new CmpClientError("protocol", `the pollRep's checkAfter ${entry.checkAfter} is not a number of seconds`);
  }
  const waitMs = Math.max(MIN_POLL_INTERVAL_MS, entry.checkAfter * 1000);
  const elapsed = Date.now() - started;
  if (elapsed + waitMs > limitMs) {
    const reason = entry.reason ? ` (the server says: ${[...entry.reason].join("; ")})` : "";
    throw new CmpClientError("timeout", `still waiting after ${elapsed} ms; polling again in ${entry.checkAfter} s would pass the limit of ${limitMs} ms${reason}`);
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}
