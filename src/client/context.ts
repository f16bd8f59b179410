import type { Name } from "@peculiar/asn1-x509";
import type { HttpTransport } from "./http.js";
import type { OutgoingProtection } from "./outgoing_protection.js";
import type { ResponseTrust } from "./response_protection.js";

/** Everything one exchange needs, resolved once from CmpClientOptions. */
export interface ClientContext {
  transport: HttpTransport;
  protection: OutgoingProtection;
  trust: ResponseTrust;
  pvno: 2 | 3;
  recipient: Name;
  now: () => Date;
  randomBytes: (length: number) => Uint8Array;
  implicitConfirm: boolean;
  pollLimitMs: number;
}
