import { beforeAll, describe, expect, it } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { PKIBody } from "../../src/asn1/pki_body.js";
import { PollReq, PollReqContent } from "../../src/asn1/poll.js";
import type { DecodedRequest } from "../../src/cmp/decode.js";
import { decodeRequest as decodeMessage } from "../../src/cmp/decode.js";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { registerEndEntity } from "../../src/ca/registry.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import { CmpClientError, type Fetch } from "../../src/client/index.js";
import { certConfBody } from "../../src/client/cert_conf.js";
import { SecretSealer } from "../../src/crypto/sealed_secret.js";
import { toBase64 } from "../../src/asn1/bytes.js";
import type { Store } from "../../src/store/store.js";
import { inProcessEngine, type InProcessEngine } from "../support/engine_fetch.js";
import { FAULT_KINDS, FaultSigner, FaultStore, type Armed } from "../support/faults.js";
import { reprotect } from "../support/reprotect.js";
import { resign } from "../client/wire.js";
import { storeViolations } from "../support/store_invariants.js";
import { makeTestCa, newTestSigner, type TestCa } from "../support/test_ca.js";

/**
 * Faults in the parts (issue 12, item 4): for each step below, a store fault
 * (error, timeout, a write done with its answer lost) at every store call
 * k = 1..N the step makes, and a transient signer fault at every signer call.
 * After each: the client got a success, `waiting`, or an error with
 * systemUnavail (never another failure, never HTTP 500, never an escaped
 * exception); no certificate went out unrecorded; nothing names a
 * certificate or request the store does not hold (storeViolations); and the
 * retry a client would make succeeds. One suite, run on the memory store
 * (faults.test.ts) and on the Durable Object store (faults.worker.test.ts).
 */
export function faultSuite(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`faults in the store and the signer (${name})`, () => {
    let ca: TestCa;
    let sealer: SecretSealer;
    beforeAll(async () => {
      ca = await makeTestCa();
      sealer = await SecretSealer.fromBinding(toBase64(crypto.getRandomValues(new Uint8Array(32))));
    });

    for (const scenario of SCENARIOS) {
      it(scenario.title, async () => {
        const findings: string[] = [];
        const dry = await run(scenario, undefined);
        findings.push(...dry.findings.map((f) => `without a fault: ${f}`));
        for (const target of ["store", "signer"] as const) {
          const calls = target === "store" ? dry.storeCalls : dry.signerCalls;
          const kinds = target === "store" ? FAULT_KINDS : FAULT_KINDS.filter((kind) => kind !== "lostAnswer");
          for (const kind of kinds) {
            for (let at = 1; at <= calls; at++) {
              const result = await run(scenario, { target, fault: { at, kind } });
              findings.push(...result.findings.map((f) => `${target} ${kind} at call ${at} (${result.call}): ${f}`));
            }
          }
        }
        expect(findings).toEqual([]);
        // The dry run made calls, so the loop above did inject faults.
        expect(dry.storeCalls).toBeGreaterThan(0);
        // Dozens of runs each, over RPC on the Durable Object store: a generous bound, not a measurement.
      }, 240_000);
    }

    interface Run {
      findings: string[];
      storeCalls: number;
      signerCalls: number;
      /** What the faulted call was. */
      call: string;
    }

    async function run(scenario: Scenario, injected: { target: "store" | "signer"; fault: Armed } | undefined): Promise<Run> {
      const inner = await makeStore();
      const store = new FaultStore(inner);
      const signer = new FaultSigner(ca.ca.signer);
      const config = { CMP_SECRETS: JSON.stringify({ dev: "s3cret" }), JELLYFISH_CONFIG: JSON.stringify({ profiles: PROFILES }) };
      // The CA's key signs certificates and the answers to signed requests: a fault hits either.
      const engine = inProcessEngine({ ca: { ...ca, ca: { ...ca.ca, signer } }, store, config, sealer });
      const h: Harness = { engine, inner, sealer, signer, trust: { anchors: [ca.ca.certificate] } };
      const findings: string[] = [];
      const state = await scenario.setup(h);

      const before = engine.exchanges.length;
      if (injected) (injected.target === "store" ? store : signer).arm(injected.fault);
      else {
        store.arm(undefined);
        signer.arm(undefined);
      }
      let outcome: unknown;
      try {
        outcome = await scenario.step(h, state);
      } catch (error) {
        outcome = error;
      }
      const storeCalls = store.calls;
      const signerCalls = signer.calls;
      const faulted = injected ? (injected.target === "store" ? store : signer) : undefined;
      const call = faulted?.trace[(injected?.fault.at ?? 1) - 1] ?? "none";
      store.arm(undefined);
      signer.arm(undefined);

      const refusal = acceptable(outcome);
      if (refusal) findings.push(`the step ended with ${refusal}`);
      if (engine.statuses.some((status) => status !== 200)) findings.push(`HTTP statuses ${engine.statuses.join(",")}`);
      findings.push(...(await storeViolations(inner, sentCertificates(engine.exchanges.slice(before)))));

      try {
        await scenario.retry(h, state, outcome);
      } catch (error) {
        findings.push(`the retry failed: ${describeError(error)}`);
      }
      findings.push(...(await storeViolations(inner, sentCertificates(engine.exchanges))).map((v) => `after the retry: ${v}`));
      return { findings, storeCalls, signerCalls, call };
    }
  });
}

// ---------------------------------------------------------------- scenarios

const PROFILES = {
  default: { implicitConfirm: true },
  explicit: { implicitConfirm: false, keyUpdate: { revokeOldCertificate: true } },
  // Signed answers, so that a signer fault can also hit the ip after the code was consumed.
  client: { mode: "client", macReferences: [], responseProtection: "signature" },
  approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
  ra: { ra: { macReferences: ["dev"] }, implicitConfirm: true },
};

interface Harness {
  engine: InProcessEngine;
  /** The store without faults: what the checks read. */
  inner: Store;
  sealer: SecretSealer;
  /** The CA's signer, with faults: a setup may arm it to make a request wait. */
  signer: FaultSigner;
  /** What a MAC client needs to check signed answers: the test CA. */
  trust: { anchors: Uint8Array[] };
}

interface Scenario {
  title: string;
  /** Done without faults: what the step needs. */
  setup(h: Harness): Promise<Held>;
  /** The step under faults; it returns or throws what the client saw. */
  step(h: Harness, held: Held): Promise<unknown>;
  /** What a client does next, knowing what the step gave it (a result or an error); must succeed. */
  retry(h: Harness, held: Held, outcome: unknown): Promise<void>;
}

/** What a setup hands to its step and retry. */
interface Held {
  signer?: Awaited<ReturnType<typeof newTestSigner>>;
  certificate?: Uint8Array;
  code?: string;
  username?: string;
  /** A request as the client sent it (to repeat it with a fresh senderNonce). */
  message?: Uint8Array;
  /** The senderNonce of our answer the next message must echo. */
  recipNonce?: ArrayBuffer;
  profile?: string;
}

const SCENARIOS: Scenario[] = [
  {
    title: "ir with a MAC, then certConf: the whole enrollment",
    setup: async () => ({ signer: await newTestSigner() }),
    step: (h, held) => h.engine.macClient({ profile: "explicit", pollLimitMs: 0 }).ir({ subject: "CN=fault-ir", key: { signer: held.signer! } }),
    retry: async (h, held) => void (await h.engine.macClient({ profile: "explicit" }).ir({ subject: "CN=fault-ir", key: { signer: held.signer! } })),
  },
  {
    title: "ir with a MAC and implicitConfirm",
    setup: async () => ({ signer: await newTestSigner() }),
    step: (h, held) => h.engine.macClient({ implicitConfirm: true, pollLimitMs: 0 }).ir({ subject: "CN=fault-implicit", key: { signer: held.signer! } }),
    retry: async (h, held) => void (await h.engine.macClient({ implicitConfirm: true }).ir({ subject: "CN=fault-implicit", key: { signer: held.signer! } })),
  },
  {
    title: "cr signed with a certificate of this CA",
    setup: enrolled,
    step: async (h, held) =>
      h.engine.signatureClient(held.signer!, held.certificate!, { profile: "explicit", pollLimitMs: 0 }).cr({ subject: "CN=fault-cr", key: { signer: await newTestSigner() } }),
    retry: async (h, held) =>
      void (await h.engine.signatureClient(held.signer!, held.certificate!, { profile: "explicit" }).cr({ subject: "CN=fault-cr", key: { signer: await newTestSigner() } })),
  },
  {
    title: "kur, then certConf: the old certificate can be updated again after a failure",
    setup: enrolled,
    step: async (h, held) => h.engine.signatureClient(held.signer!, held.certificate!, { profile: "explicit", pollLimitMs: 0 }).kur({ key: { signer: await newTestSigner() } }),
    retry: async (h, held) => {
      // A certConf whose answer was an error is repeated (the kur's claim holds until its certificate is decided).
      const certConf = h.engine.exchanges.findLast((e) => decodeMessage(e.request)?.type === "certConf");
      if (certConf && decodeMessage(certConf.answer)?.type === "error") {
        const repeat = await resign(certConf.request, held.signer!, (m) => {
          m.header.senderNonce = crypto.getRandomValues(new Uint8Array(16)).buffer;
        });
        // Even when the first certConf went through and revoked (superseded) the old certificate it is
        // signed with, its repeat is answered pkiConf again (protection.ts, confirmsItsSuccessor).
        await answerOf(h.engine.post(repeat, "explicit"), ["pkiconf"], { strict: true });
      }
      // Unless the kur went through, which the client may not know: then the old certificate is revoked (superseded).
      const old = await recordOf(h.inner, held.certificate!);
      if (old?.supersededBy) return void expect(old).toMatchObject({ status: "revoked" });
      await h.engine.signatureClient(held.signer!, held.certificate!, { profile: "explicit" }).kur({ key: { signer: await newTestSigner() } });
    },
  },
  {
    title: "client mode: ir with a one-time enrollment code",
    setup: async (h) => {
      const username = `device-${crypto.randomUUID().slice(0, 8)}`;
      const { enrollmentCode } = await registerEndEntity(
        { config: h.engine.context.config, store: h.inner, sealer: h.sealer, now: () => new Date(), randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)) },
        { username, subject: `CN=${username}`, profile: "client" },
      );
      return { signer: await newTestSigner(), code: enrollmentCode, username };
    },
    step: (h, held) =>
      h.engine.macClient({ profile: "client", reference: "anything", secret: held.code!, pollLimitMs: 0, trust: h.trust }).ir({ subject: `CN=${held.username}`, key: { signer: held.signer! } }),
    retry: async (h, held, outcome) => {
      if (!(outcome instanceof Error)) return;
      // The certificate came and its certConf failed: the client repeats the certConf (the code is used up by then).
      const certConf = h.engine.exchanges.findLast((e) => decodeMessage(e.request)?.type === "certConf");
      if (certConf) {
        const repeat = await reprotect(certConf.request, held.code!, (m) => {
          m.header.senderNonce = crypto.getRandomValues(new Uint8Array(16)).buffer;
        });
        await answerOf(h.engine.post(repeat, "client"), ["pkiconf"], { strict: true });
        return;
      }
      // No certificate came: the one-time code must work again.
      await h.engine.macClient({ profile: "client", reference: "anything", secret: held.code!, trust: h.trust }).ir({ subject: `CN=${held.username}`, key: { signer: held.signer! } });
      const entity = (await h.inner.get<{ status: string; certificates: string[] }>(`entity/${held.username}`))?.value;
      expect(entity).toMatchObject({ status: "issued", certificates: [expect.any(String)] });
    },
  },
  {
    title: "certConf alone; its repeat with a fresh senderNonce gets pkiConf, a replay changes nothing",
    setup: async (h) => {
      const held = { signer: await newTestSigner(), profile: "explicit" } as Held;
      const fetch = holding(h.engine.fetch, "certConf", held);
      await h.engine.macClient({ profile: "explicit", fetch }).ir({ subject: "CN=fault-certconf", key: { signer: held.signer! } }).catch(() => undefined);
      return held;
    },
    step: (h, held) => answerOf(h.engine.post(held.message!, held.profile), ["pkiconf"]),
    retry: async (h, held) => {
      const repeat = await repeatWithFreshNonce(held.message!);
      await answerOf(h.engine.post(repeat, held.profile), ["pkiconf"], { strict: true });
      const records = await certificateRecords(h.inner);
      expect(records.map((r) => r.status)).toEqual(["confirmed"]);
      await replayChangesNothing(h, repeat, held.profile);
    },
  },
  {
    title: "rr by an RA; its repeat with a fresh senderNonce gets the same rp, a replay changes nothing",
    setup: async (h) => {
      const subject = await enrolled(h);
      const held = { ...subject, profile: "ra" } as Held;
      const fetch = holding(h.engine.fetch, "rr", held);
      await h.engine.macClient({ profile: "ra", fetch }).rr({ certificate: subject.certificate!, reason: "keyCompromise" }).catch(() => undefined);
      return held;
    },
    step: (h, held) => answerOf(h.engine.post(held.message!, held.profile), ["rp"]),
    retry: async (h, held) => {
      const repeat = await repeatWithFreshNonce(held.message!);
      const answer = await answerOf(h.engine.post(repeat, held.profile), ["rp"], { strict: true });
      expect(answer.message.body.rp?.status[0]?.status).toBe(0);
      expect(await recordOf(h.inner, held.certificate!)).toMatchObject({ status: "revoked", revocationReason: 1 });
      await replayChangesNothing(h, repeat, held.profile);
    },
  },
  {
    title: "pollReq after an approval: the certificate, and the same again to a repeated pollReq",
    setup: async (h) => {
      const held = { signer: await newTestSigner(), profile: "approval" } as Held;
      // pollLimitMs 0: the client sends the ir and one pollReq, gets a pollRep, and gives up without sleeping.
      await h.engine.macClient({ profile: "approval", pollLimitMs: 0 }).ir({ subject: "CN=fault-poll", key: { signer: held.signer! } }).catch(() => undefined);
      const { request, answer } = h.engine.exchanges.at(-1)!;
      held.message = request;
      held.recipNonce = decodeMessage(answer)!.message.header.senderNonce;
      const [pending] = await listPendingRequests(h.inner, "pending");
      await decidePendingRequest(h.inner, pending!.id, "approved", "fault test", new Date());
      return held;
    },
    step: async (h, held) => answerOf(h.engine.post(await nextMessage(held), held.profile), ["ip", "pollRep"]),
    retry: pollToCertificate,
  },
  {
    title: "pollReq after the signer was down at the ir: the certificate, and the same again to a repeated pollReq",
    setup: async (h) => {
      const held = { signer: await newTestSigner(), profile: "explicit" } as Held;
      // The ir meets a signer that is down (`waiting`); its first pollReq is held back for the step.
      h.signer.arm({ at: 1, kind: "error" });
      const fetch = holding(h.engine.fetch, "pollReq", held);
      await h.engine.macClient({ profile: "explicit", fetch }).ir({ subject: "CN=fault-signer-poll", key: { signer: held.signer! } }).catch(() => undefined);
      h.signer.arm(undefined);
      held.recipNonce = decodeMessage(held.message!)!.message.header.recipNonce;
      return held;
    },
    step: async (h, held) => answerOf(h.engine.post(await nextMessage(held), held.profile), ["ip", "pollRep"]),
    retry: pollToCertificate,
  },
];

/**
 * A client polling on after the step, with the last nonce it received (a
 * pollRep's, when the step answered one, else the one before): gets the
 * certificate, confirms it, and the CA counts exactly that one.
 */
async function pollToCertificate(h: Harness, held: Held): Promise<void> {
  const answer = await answerOf(h.engine.post(await nextMessage(held), held.profile), ["ip", "pollRep"], { strict: true });
  const ip =
    answer.type === "ip"
      ? answer
      : await answerOf(h.engine.post(await nextMessage({ ...held, recipNonce: answer.message.header.senderNonce }), held.profile), ["ip"], { strict: true });
  const certificate = new Uint8Array(ip.message.body.ip!.response[0]!.certifiedKeyPair!.certOrEncCert.certificate!);
  const confirm = AsnConvert.parse(await certConfBody(certificate, AsnConvert.parse(certificate, Certificate).signatureAlgorithm, 0), PKIBody);
  await answerOf(h.engine.post(await nextMessage({ ...held, recipNonce: ip.message.header.senderNonce }, confirm), held.profile), ["pkiconf"], { strict: true });
  expect((await certificateRecords(h.inner)).map((r) => r.status)).toEqual(["confirmed"]);
}

// ---------------------------------------------------------------- helpers

/** A MAC-enrolled certificate (implicitly confirmed): what the signed steps use. */
async function enrolled(h: Harness): Promise<Held> {
  const signer = await newTestSigner();
  const result = await h.engine.macClient({ implicitConfirm: true }).ir({ subject: `CN=fault-${crypto.randomUUID().slice(0, 8)}`, key: { signer } });
  return { signer, certificate: result.certificate };
}

/** A fetch that keeps the first message of `type` in `held` instead of sending it, so the step can send it under faults. */
function holding(fetch: Fetch, type: string, held: Held): Fetch {
  return async (url, init) => {
    if (decodeMessage(init.body)?.type === type && !held.message) {
      held.message = init.body;
      throw new Error("held back for the fault test");
    }
    return fetch(url, init);
  };
}

/** The same message again with a fresh senderNonce: a client repeating a step whose answer it lost. */
function repeatWithFreshNonce(message: Uint8Array): Promise<Uint8Array> {
  return reprotect(message, "s3cret", (m) => {
    m.header.senderNonce = crypto.getRandomValues(new Uint8Array(16)).buffer;
  });
}

/** The next message of held's transaction (a pollReq unless `body` says otherwise), echoing held.recipNonce. */
function nextMessage(held: Held, body?: PKIBody): Promise<Uint8Array> {
  return reprotect(held.message!, "s3cret", (m) => {
    m.header.senderNonce = crypto.getRandomValues(new Uint8Array(16)).buffer;
    m.header.recipNonce = held.recipNonce;
    m.body = body ?? new PKIBody({ pollReq: new PollReqContent([new PollReq({ certReqId: 0 })]) });
  });
}

/**
 * The decoded answer if it is one of `types`, or an error with systemUnavail
 * (unless strict); anything else is thrown, so the run reports it.
 */
async function answerOf(answer: Promise<DecodedRequest | undefined>, types: string[], options: { strict?: boolean } = {}): Promise<DecodedRequest> {
  const decoded = await answer;
  if (!decoded) throw new Error("the answer is not a PKIMessage");
  if (types.includes(decoded.type)) return decoded;
  if (decoded.type === "error" && !options.strict) {
    const failInfo = failInfoOf(decoded);
    if (failInfo.join() === "systemUnavail") return decoded;
  }
  throw new Error(`answered ${decoded.type} ${failInfoOf(decoded).join(",")}: ${statusText(decoded)}`);
}

/** Sending the very same message again: refused, and not one stored entry changes. */
async function replayChangesNothing(h: Harness, message: Uint8Array, profile?: string): Promise<void> {
  const before = await snapshot(h.inner);
  const answer = await h.engine.post(message, profile);
  expect(answer?.type, "a replay is refused").toBe("error");
  expect(await snapshot(h.inner)).toEqual(before);
}

async function snapshot(store: Store): Promise<unknown> {
  return (await store.list("", { limit: 1000 })).items;
}

/** A client's view: accepted outcomes are a result, an error answer with systemUnavail, or waiting (a "timeout" of polling). */
function acceptable(outcome: unknown): string | undefined {
  if (!(outcome instanceof Error)) return undefined;
  if (outcome instanceof CmpClientError) {
    if (outcome.kind === "rejected" && outcome.statusInfo?.failInfo.join() === "systemUnavail") return undefined;
    // A store failure while finding the MAC key (an enrollment code) comes before authentication, so
    // the error cannot be protected: the client sees systemUnavail, marked unauthenticated.
    if (outcome.kind === "protection" && outcome.statusInfo?.failInfo.join() === "systemUnavail") return undefined;
    // pollLimitMs 0: the client gave up polling after a `waiting` answer, which is acceptable for a signer that is down.
    if (outcome.kind === "timeout") return undefined;
  }
  return describeError(outcome);
}

function describeError(error: unknown): string {
  if (error instanceof CmpClientError) return `${error.kind} ${error.statusInfo?.failInfo.join(",") ?? ""}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function failInfoOf(decoded: DecodedRequest): string[] {
  return decoded.message.body.error?.pKIStatusInfo.failInfo?.toNames() ?? [];
}

function statusText(decoded: DecodedRequest): string {
  return [...(decoded.message.body.error?.pKIStatusInfo.statusString ?? [])].join("; ");
}

/** Certificates in ip/cp/kup answers: what clients received. */
function sentCertificates(exchanges: InProcessEngine["exchanges"]): Uint8Array[] {
  const sent: Uint8Array[] = [];
  for (const { answer } of exchanges) {
    const body = decodeMessage(answer)?.message.body;
    const reply = body?.ip ?? body?.cp ?? body?.kup;
    for (const response of reply?.response ?? []) {
      const certificate = response.certifiedKeyPair?.certOrEncCert.certificate;
      if (certificate) sent.push(new Uint8Array(certificate));
    }
  }
  return sent;
}

async function recordOf(store: Store, certificate: Uint8Array): Promise<CertificateRecord | undefined> {
  const serial = serialNumberHex(AsnConvert.parse(certificate, Certificate).tbsCertificate.serialNumber);
  return (await store.get<CertificateRecord>(`cert/${serial}`))?.value;
}

async function certificateRecords(store: Store): Promise<CertificateRecord[]> {
  return (await store.list<CertificateRecord>("cert/", { limit: 1000 })).items.map((item) => item.value);
}
