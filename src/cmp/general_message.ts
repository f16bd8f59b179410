import { Certificate } from "@peculiar/asn1-x509";
import { fromBase64, toBase64, toHex } from "../asn1/bytes.js";
import { DecodeError } from "../asn1/decode_error.js";
import { CRLStatusList, ObjectIdentifiers } from "../asn1/general_message_values.js";
import { InfoTypeAndValue, InfoTypeAndValues } from "../asn1/info_type_and_value.js";
import {
  id_it_caCerts,
  id_it_certReqTemplate,
  id_it_crls,
  id_it_crlStatusList,
  id_it_currentCRL,
  id_it_rootCaCert,
  id_it_rootCaKeyUpdate,
  id_it_signKeyPairTypes,
  id_it_unsupportedOIDs,
} from "../asn1/oids.js";
import { parseChecked, parseDer } from "../asn1/parse_der.js";
import { PKIBody } from "../asn1/pki_body.js";
import { CmpError } from "../asn1/pki_failure_info.js";
import { checkCrlSources, crlsValue, MAX_CRL_STATUSES, ourCrl } from "./crl_retrieval.js";
import type { Exchange, HandlerResult } from "./exchange.js";
import { nextNonces } from "./nonces.js";
import { caCertsValue, certReqTemplateValue, rootCaKeyUpdateValue, signKeyPairTypesValue } from "./support_messages.js";
import { closedTransaction, transactionKey, type TransactionRecord } from "./transaction.js";
import { serializeDer } from "../asn1/serialize_der.js";
import { generalMessageHoldReason } from "./approval.js";
import { profileForCertProfile, requestedCertProfiles } from "./cert_profile.js";
import type { PendingOperation } from "./pending_request.js";
import { waitForOperator } from "./waiting_operation.js";

/** Most InfoTypeAndValues answered from one genm: each may cost a CRL read. */
export const MAX_INFO_ITEMS = 10;

/** One answered InfoTypeAndValue: the infoType of the answer and its value's DER, if any. */
interface Answer {
  infoType: string;
  infoValue?: Uint8Array;
}

/** A query whose value has been checked: what it answers, computed after the transaction is recorded. */
type Query = () => Answer | Promise<Answer>;

/** The names used in messages and the log. */
const NAMES: Record<string, string> = {
  [id_it_caCerts]: "caCerts",
  [id_it_rootCaCert]: "rootCaCert",
  [id_it_certReqTemplate]: "certReqTemplate",
  [id_it_crlStatusList]: "crlStatusList",
  [id_it_currentCRL]: "currentCRL",
  [id_it_signKeyPairTypes]: "signKeyPairTypes",
};

/**
 * genm: answer support messages with one genp (RFC 9810 §5.3.19-20, RFC
 * 9483 §4.3), one InfoTypeAndValue answered per one asked, in order:
 *
 *  - id-it-caCerts: the CA certificates (§4.3.1);
 *  - id-it-rootCaCert: id-it-rootCaKeyUpdate, the configured root rollover (§4.3.2);
 *  - id-it-certReqTemplate: what the profile certifies (§4.3.3), for the
 *    certificate profile generalInfo's certProfile names for this item
 *    (RFC 9810 §5.1.1.4, §5.3.19.16 Note; cert_profile.ts);
 *  - id-it-crlStatusList: id-it-crls, our CRL if newer than the client's (§4.3.4);
 *  - id-it-currentCRL: our current CRL (RFC 9810 §5.3.19.6);
 *  - id-it-signKeyPairTypes: the key types the profile certifies (RFC 9810 §5.3.19.2).
 *
 * An infoType not served is named in one id-it-unsupportedOIDs at the end
 * of the genp (RFC 9810 §5.3.19.7: "used by the server to return a list of
 * object identifiers that it does not recognize or support from the list
 * submitted by the client"), and the others are still answered: the RFC
 * lets the receiver ignore OIDs it does not recognise (Appendix F,
 * GenMsgContent), and this tells the client so instead of leaving it to
 * guess. An empty genm, which "indicates that the CA may send any/all
 * information that it wishes", gets the CA certificates and the key types.
 *
 * Every value is checked before anything is done: a value where the RFC
 * says "< absent >" is badRequest (the Siemens suite expects that), a value
 * that does not decode is badDataFormat, more than MAX_INFO_ITEMS items is
 * badRequest; a certProfile with more names than items is badRequest, a
 * name not offered badCertTemplate. A profile that holds general messages
 * (approval.generalMessages) answers `waiting` now and the genp at the
 * pollReq after an operator's approval (RFC 9483 §4.4, waiting_operation.ts,
 * poll_operation.ts). Otherwise the transaction is recorded as rr records it (a closed
 * one: the transactionID cannot be reused; a replay of the message is
 * refused, a repeat with a fresh senderNonce answered again), and only then
 * are the answers computed.
 */
export async function handleGeneralMessage(exchange: Exchange): Promise<HandlerResult> {
  const items = [...exchange.request.message.body.genm!];
  const names = requestedCertProfiles(exchange.request.message.header, items.length, `a genm with ${items.length} InfoTypeAndValue${items.length === 1 ? "" : "s"}`);
  const prepared = await prepareGenp(exchange, items, names);
  // RFC 9483 §4.4: a genm the profile holds waits for an operator (checked above, answered after the decision).
  const hold = generalMessageHoldReason(exchange.profile);
  if (hold) {
    return waitForOperator(exchange, {
      requestType: "genm",
      responseType: "genp",
      subjectText: `genm (${prepared.asked}) from ${exchange.log.sender ?? exchange.credentials.identity}`,
      holdReason: hold,
      infoItems: items.map((item) => {
        const value = valueOf(item);
        return { infoType: item.infoType, infoValue: value ? toBase64(value) : undefined };
      }),
      certProfiles: names.map((name) => name ?? null),
    });
  }
  await recordTransaction(exchange);
  return prepared.answer();
}

/**
 * The final answer to a genm that waited and was approved (poll_operation.ts):
 * the stored InfoTypeAndValues asked again, checked again (the CA or its CRL
 * may have changed meanwhile), answered now.
 */
export async function answerHeldGeneralMessage(exchange: Exchange, pending: PendingOperation): Promise<HandlerResult> {
  const items = (pending.infoItems ?? []).map(
    ({ infoType, infoValue }) => new InfoTypeAndValue({ infoType, infoValue: infoValue ? (fromBase64(infoValue).slice().buffer as ArrayBuffer) : undefined }),
  );
  const names = (pending.certProfiles ?? []).map((name) => name ?? undefined);
  return (await prepareGenp(exchange, items, names)).answer();
}

/**
 * Every InfoTypeAndValue checked and its query planned (nothing answered
 * yet), and `answer` to compute the genp. `certProfiles[i]` is the
 * certificate profile named for items[i] (RFC 9810 §5.1.1.4); it decides
 * certReqTemplate and signKeyPairTypes, and must be one the profile offers
 * whatever the item (badCertTemplate otherwise).
 */
async function prepareGenp(
  exchange: Exchange,
  items: readonly InfoTypeAndValue[],
  certProfiles: readonly (string | undefined)[],
): Promise<{ asked: string; answer: () => Promise<HandlerResult> }> {
  if (items.length > MAX_INFO_ITEMS) {
    throw new CmpError("badRequest", `a genm may carry at most ${MAX_INFO_ITEMS} InfoTypeAndValues, not ${items.length}`);
  }
  const profiles = certProfiles.map((name) => profileForCertProfile(exchange.profile, name));
  const unsupported: string[] = [];
  const queries: Query[] = [];
  if (items.length === 0) {
    queries.push(() => ({ infoType: id_it_caCerts, infoValue: caCertsValue(exchange) }));
    queries.push(() => ({ infoType: id_it_signKeyPairTypes, infoValue: signKeyPairTypesValue(exchange.profile) }));
  }
  for (const [index, item] of items.entries()) {
    checkInfoType(item.infoType);
    const profile = profiles[index] ?? exchange.profile;
    const query = await queryOf(item, profile === exchange.profile ? exchange : { ...exchange, profile });
    if (query) queries.push(query);
    else if (!unsupported.includes(item.infoType)) unsupported.push(item.infoType);
  }
  const asked = items.map((item) => NAMES[item.infoType] ?? item.infoType).join(", ") || "(empty)";
  const answer = async (): Promise<HandlerResult> => {
    const answers: Answer[] = [];
    for (const query of queries) answers.push(await query());
    if (unsupported.length > 0) {
      answers.push({ infoType: id_it_unsupportedOIDs, infoValue: serializeDer(new ObjectIdentifiers(unsupported)) });
    }
    exchange.log.reason = unsupported.length > 0 ? `not served: ${unsupported.join(", ")}` : undefined;
    return { body: genpBody(answers), responseType: "genp", outcome: `answered ${asked}` };
  };
  return { asked, answer };
}

/** The DER of an infoValue, if present: the schema's ANY gives a NULL as null, which is a value all the same. */
function valueOf(item: InfoTypeAndValue): Uint8Array | undefined {
  const value = item.infoValue as ArrayBuffer | null | undefined;
  if (value === undefined) return undefined;
  return value === null ? Uint8Array.of(0x05, 0x00) : new Uint8Array(value);
}

/**
 * The query an InfoTypeAndValue asks, its value checked (a CRL source
 * against ours too); undefined for an infoType not served.
 */
async function queryOf(item: InfoTypeAndValue, exchange: Exchange): Promise<Query | undefined> {
  const value = valueOf(item);
  switch (item.infoType) {
    case id_it_caCerts:
      noValue(item.infoType, value);
      return () => ({ infoType: id_it_caCerts, infoValue: caCertsValue(exchange) });
    case id_it_rootCaCert: {
      // RootCaCertValue ::= CMPCertificate | < absent >: the client's current root (oldWithOld).
      if (value) decode(value, Certificate, "rootCaCert", "RootCaCertValue (a certificate)");
      return () => ({ infoType: id_it_rootCaKeyUpdate, infoValue: rootCaKeyUpdateValue(exchange, value) });
    }
    case id_it_certReqTemplate:
      noValue(item.infoType, value);
      return () => ({ infoType: id_it_certReqTemplate, infoValue: certReqTemplateValue(exchange) });
    case id_it_signKeyPairTypes:
      noValue(item.infoType, value);
      return () => ({ infoType: id_it_signKeyPairTypes, infoValue: signKeyPairTypesValue(exchange.profile) });
    case id_it_currentCRL:
      noValue(item.infoType, value);
      return async () => ({ infoType: id_it_currentCRL, infoValue: (await ourCrl(exchange)).der });
    case id_it_crlStatusList: {
      if (!value) throw new CmpError("badRequest", "id-it-crlStatusList needs its value: SEQUENCE SIZE (1..MAX) OF CRLStatus (RFC 9810 §5.3.19.17)");
      const statuses = [...decode(value, CRLStatusList, "crlStatusList", "SEQUENCE OF CRLStatus")];
      if (statuses.length === 0) throw new CmpError("badDataFormat", "id-it-crlStatusList is empty; it must hold at least one CRLStatus (RFC 9810 §5.3.19.17)");
      if (statuses.length > MAX_CRL_STATUSES) {
        throw new CmpError("badRequest", `id-it-crlStatusList may hold at most ${MAX_CRL_STATUSES} CRLStatus, not ${statuses.length}`);
      }
      await checkCrlSources(exchange, statuses);
      return async () => ({ infoType: id_it_crls, infoValue: await crlsValue(exchange, statuses) });
    }
    default:
      return undefined;
  }
}

/**
 * An infoType is echoed in id-it-unsupportedOIDs, so it must be an OBJECT
 * IDENTIFIER we can write again: dotted decimal, at least two arcs, the
 * first 0, 1 or 2. What the schema parse makes of contents that are none
 * (the fuzzer found one that came back as an empty OID) is badDataFormat.
 */
function checkInfoType(infoType: string): void {
  let valid = /^[0-2](\.(0|[1-9][0-9]{0,19}))+$/.test(infoType);
  if (valid) {
    try {
      valid = parseDer(serializeDer(new ObjectIdentifiers([infoType])), ObjectIdentifiers)[0] === infoType;
    } catch {
      valid = false;
    }
  }
  if (!valid) throw new CmpError("badDataFormat", "an infoType is not a valid OBJECT IDENTIFIER");
}

/** RFC 9810 §5.3.19: these queries are "GenMsg: {id-it n}, < absent >". */
function noValue(infoType: string, value: Uint8Array | undefined): void {
  if (value) throw new CmpError("badRequest", `id-it-${NAMES[infoType]} (${infoType}) must be sent without infoValue (RFC 9810 §5.3.19, RFC 9483 §4.3)`);
}

function decode<T>(value: Uint8Array, type: new () => T, name: string, what: string): T {
  try {
    return parseChecked(value, type);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    throw new CmpError("badDataFormat", `the value of id-it-${name} is not a DER ${what}`, { cause: error });
  }
}

/** genp [22] GenRepContent (RFC 9810 §5.3.20). */
function genpBody(answers: readonly Answer[]): Uint8Array {
  const itavs = answers.map(({ infoType, infoValue }) => new InfoTypeAndValue({ infoType, infoValue: infoValue?.slice().buffer as ArrayBuffer | undefined }));
  return serializeDer(new PKIBody({ genp: new InfoTypeAndValues(itavs) }));
}

/**
 * A genm is one round trip, recorded as a closed transaction so that its
 * transactionID is not reused (RFC 9810 §5.1.1) and a replay of it (a
 * senderNonce seen before) is refused with transactionIdInUse. The same
 * sender asking again under the same transactionID with a fresh
 * senderNonce, because its genp was lost, is answered again: answering
 * changes nothing. One store call in the usual case, three for a repeat.
 */
async function recordTransaction(exchange: Exchange): Promise<void> {
  const { context, request } = exchange;
  const key = transactionKey(exchange.credentials.identity, exchange.transactionID);
  const nonce = request.message.header.senderNonce;
  const ttlSeconds = context.config.limits.transactionTtlSeconds;
  const transaction = closedTransaction(exchange, "genm");
  if (await context.store.create(key, transaction, { ttlSeconds })) return;
  const existing = await context.store.get<TransactionRecord>(key);
  const record = existing?.value;
  const repeat = record && record.requestType === "genm" && record.profile === exchange.profile.name && nonce && !(record.requestNonces ?? []).includes(toHex(nonce));
  if (existing && repeat) {
    const moved: TransactionRecord = { ...record, ...nextNonces(record, "retry", request.message.header, exchange.senderNonce) };
    if (await context.store.compareAndSet(key, existing.version, moved, { ttlSeconds })) return;
  }
  throw new CmpError("transactionIdInUse", "this transactionID is already in use; start a new transaction");
}
