import type { Name } from "@peculiar/asn1-x509";
import type { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import type { PKIBodyType } from "../asn1/pki_body.js";
import type { DecodedRequest } from "../cmp/decode.js";
import { decodeRequest as decodeResponse } from "../cmp/decode.js";
import { DEFAULT_LIMITS } from "../config/defaults.js";
import type { ClientContext } from "./context.js";
import { CmpClientError } from "./errors.js";
import { postCmp } from "./http.js";
import { encodeRequest } from "./request_message.js";
import { checkResponseHeader } from "./response_header.js";
import { verifyResponseProtection } from "./response_protection.js";
import { describeErrorContent, formatStatusInfo } from "./status.js";
import { PKIStatus } from "../asn1/pki_status.js";

/**
 * A server's answer is held to DER and bounded like a request, but more
 * generously: it carries the CA's certificates (caPubs, extraCerts) and
 * echoes what we sent; its size is already bounded by the transport.
 */
const RESPONSE_LIMITS = { ...DEFAULT_LIMITS, derMaxElements: 1 << 16, extraCertsMaxCount: 256, extraCertsMaxBytes: 1 << 24 };

/** RFC 9483 §3.1: transactionID and senderNonce are 128 random bits. */
const RANDOM_BYTES = 16;

/**
 * One CMP transaction (RFC 9810 §5.1.1): one transactionID for all its
 * messages, a fresh senderNonce in each, and the server's last senderNonce
 * echoed as recipNonce, so every answer is bound to the message before it.
 */
export class Transaction {
  readonly transactionID: Uint8Array;
  #recipNonce: Uint8Array | undefined;

  constructor(
    private readonly context: ClientContext,
    private readonly sender: Name,
  ) {
    this.transactionID = context.randomBytes(RANDOM_BYTES);
  }

  /**
   * Send one message and return the verified answer, whose body is one of
   * `expected`. The checks run in OpenSSL's order: HTTP, decoding,
   * protection, header, then body type; an authentic `error` body becomes a
   * CmpClientError "rejected" with the server's PKIStatusInfo.
   */
  async exchange(
    bodyDer: Uint8Array,
    expected: readonly PKIBodyType[],
    generalInfo?: readonly InfoTypeAndValue[],
    options: { waiting?: boolean } = {},
  ): Promise<DecodedRequest> {
    const { context } = this;
    const senderNonce = context.randomBytes(RANDOM_BYTES);
    const request = await encodeRequest(
      {
        pvno: context.pvno,
        sender: this.sender,
        recipient: context.recipient,
        now: context.now(),
        transactionID: this.transactionID,
        senderNonce,
        recipNonce: this.#recipNonce,
        generalInfo,
      },
      bodyDer,
      context.protection,
    );
    const answer = await postCmp(context.transport, request);
    const response = decodeResponse(answer.body, RESPONSE_LIMITS);
    // RFC 9811 §3.1: a 4xx or 5xx may carry a CMP error message; anything else there is a plain HTTP failure.
    const httpStatus = answer.status === 200 ? undefined : answer.status;
    if (httpStatus !== undefined && response?.type !== "error") throw new CmpClientError("http", `HTTP status ${httpStatus}`, { httpStatus });
    if (!response) throw new CmpClientError("protocol", "the response is not one DER-encoded PKIMessage");

    try {
      await verifyResponseProtection(response, context.trust);
    } catch (error) {
      if (!(error instanceof CmpClientError) || response.type !== "error") throw error;
      // An error message we cannot trust still says something: keep it for diagnosis, marked unauthenticated.
      const said = describeErrorContent(response.message.body.error!);
      throw new CmpClientError(
        httpStatus === undefined ? "protection" : "http",
        `${httpStatus === undefined ? "" : `HTTP status ${httpStatus}; `}${error.message}; the server said (unauthenticated): ${formatStatusInfo(said)}`,
        { statusInfo: said, httpStatus, cause: error.cause },
      );
    }
    this.#recipNonce = checkResponseHeader(response.message.header, { pvno: context.pvno, transactionID: this.transactionID, senderNonce });

    // `waiting`: an error of status waiting starts delayed delivery (RFC 9483 §4.4) and is the caller's to handle.
    const waiting = options.waiting === true && httpStatus === undefined && response.type === "error" && response.message.body.error!.pKIStatusInfo.status === PKIStatus.waiting;
    if (waiting) return response;
    if (response.type === "error" && !expected.includes("error")) {
      const statusInfo = describeErrorContent(response.message.body.error!);
      throw new CmpClientError("rejected", `the server answered with an error: ${formatStatusInfo(statusInfo)}`, {
        statusInfo,
        authenticated: true,
        httpStatus,
      });
    }
    if (!expected.includes(response.type)) {
      throw new CmpClientError("protocol", `response refused: a ${response.type} body, where ${expected.join(" or ")} was expected`);
    }
    return response;
  }
}
