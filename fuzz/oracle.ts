import { checkDer, DEFAULT_DER_LIMITS } from "../src/asn1/der_scan.js";
import { decodeBody, decodeShell, type DecodedRequest } from "../src/cmp/decode.js";
import { DEFAULT_LIMITS } from "../src/config/defaults.js";
import type { CmpAnswer } from "../src/cmp/engine_types.js";
import { BUG_WARNINGS, type Target } from "./target.js";
import { PKIStatus } from "../src/asn1/pki_status.js";

const ANSWER_LIMITS = { ...DEFAULT_LIMITS, derMaxElements: 1_000_000, derMaxDepth: 1000, extraCertsMaxCount: 1000, extraCertsMaxBytes: 1 << 30 };

/** Body types a server may answer with (RFC 9810 §5.1.2). */
const RESPONSE_TYPES = new Set(["ip", "cp", "kup", "rp", "pkiconf", "genp", "error", "pollRep", "krp", "ccp", "popdecc"]);

/**
 * The checks after every message: an answer (no escaped exception), a DER
 * PKIMessage of a response type, never HTTP 500, no warning that an
 * exception escaped a check, no systemFailure, and no change of state
 * unless the answer is a success. Two answers that are no success may
 * change transaction and waiting-request state, and only those: an error of
 * status waiting (RFC 9483 §4.4: the rr or genm now waits for an operator),
 * and the answer to a pollReq (its transaction moves on, and a refusal
 * decided by an operator closes it). Returns what is wrong, or undefined.
 */
export async function checkAnswer(target: Target, outcome: { answer?: CmpAnswer; thrown?: unknown }): Promise<string | undefined> {
  if (outcome.thrown !== undefined) return `handleCmp threw: ${describe(outcome.thrown)}`;
  const answer = outcome.answer!;
  if (answer.httpStatus !== 200 && answer.httpStatus !== 400) return `HTTP ${answer.httpStatus}`;
  try {
    checkDer(answer.body, { ...DEFAULT_DER_LIMITS, maxDepth: 1000, maxElements: 1 << 20 });
  } catch (error) {
    return `the answer is not DER: ${describe(error)}`;
  }
  // The answer echoes what the request sent (its sender, as recipient) beside certificates: not held to the request's limits.
  const shell = decodeShell(answer.body, ANSWER_LIMITS);
  if (!shell) return "the answer is not a PKIMessage";
  let decoded: DecodedRequest;
  try {
    decoded = decodeBody(shell, ANSWER_LIMITS);
    void decoded.message.body;
  } catch (error) {
    return `the answer is not a PKIMessage: ${describe(error)}`;
  }
  if (!RESPONSE_TYPES.has(decoded.type)) return `the answer is a ${decoded.type}`;
  if (answer.httpStatus === 400 && decoded.type !== "error") return "HTTP 400 without an error message";
  const bug = target.warnings.find((warning) => BUG_WARNINGS.has(warning.message));
  if (bug) return `${bug.message}: ${String(bug.fields?.error ?? "")}`;
  if (answer.log.failInfo?.includes("systemFailure")) return `systemFailure: ${answer.log.reason}`;
  const failed = decoded.type === "error" || (answer.log.failInfo?.length ?? 0) > 0;
  if (failed) {
    const waiting = decoded.type === "error" && decoded.message.body.error!.pKIStatusInfo.status === PKIStatus.waiting;
    const bookkeeping = waiting || answer.log.bodyType === "pollReq";
    const changed = (await target.store.changedKeys()).filter((key) => !(bookkeeping && (key.startsWith("txn/") || key.startsWith("pending/"))));
    if (changed.length > 0) return `the state changed (${changed.join(", ")}) although the answer is ${answer.log.failInfo?.join(",") ?? "an error"}`;
  }
  return undefined;
}

function describe(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}
