import type { InfoTypeAndValue } from "../asn1/info_type_and_value.js";
import type { Profile } from "../config/profile.js";
import type { CaIdentity } from "./ca_identity.js";
import type { DecodedRequest } from "./decode.js";
import type { CmpLogEntry, EngineContext } from "./engine_types.js";
import type { Credentials } from "./protection.js";

/** One authenticated request on its way through a body handler. */
export interface Exchange {
  request: DecodedRequest;
  credentials: Credentials;
  profile: Profile;
  context: EngineContext;
  ca: CaIdentity;
  now: Date;
  /** The senderNonce our response will carry (RFC 9810 §5.1.1). */
  senderNonce: Uint8Array;
  /** Lower-case hex of the request's transactionID. */
  transactionID: string;
  log: CmpLogEntry;
}

/** What a body handler answers: the encoded PKIBody and header/extraCerts extras. */
export interface HandlerResult {
  body: Uint8Array;
  responseType: string;
  outcome: string;
  generalInfo?: InfoTypeAndValue[];
  extraCerts?: readonly Uint8Array[];
  /** 3: the body uses cmp2021 syntax (EnvelopedData, RFC 9810 §7), whatever the request's pvno. */
  pvno?: 3;
  /**
   * Take back what this answer delivers (a new certificate: its records, a
   * consumed registration, a kur claim) when it cannot be sent after all,
   * e.g. because signing the response failed; so the client's retry works.
   */
  unsent?: () => Promise<void>;
}
