import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateKey, type CertificateRecord } from "../../src/ca/certificate_record.js";
import { SignerError, type Signer } from "../../src/kms/signer.js";
import { answerOcsp, type OcspContext } from "../../src/ocsp/responder.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/store.js";
import { digest } from "../../src/crypto/digest.js";
import { subjectPublicKeyBits } from "../../src/ocsp/cert_id.js";
import { encodeTlv } from "../../src/asn1/der.js";
import { makeTempDir, type TempDir } from "../support/openssl.js";
import { buildRequest, certIdsOf, decodeResponse, extension, nonceExtension, ocspFixture, opensslCheck, opensslRequest, type OcspFixture } from "./ocsp_fixtures.js";

// The responder as `openssl ocsp` sees it (RFC 6960, RFC 5019): requests
// made by openssl, answers verified by openssl against the CA certificate,
// signed by the CA and by a delegated responder; and every refusal.

let dir: TempDir;
let fixture: OcspFixture;
let other: OcspFixture;
let store: MemoryStore;
const now = new Date("2026-12-04T12:00:00.250Z");

function record(serial: string, fields: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serial,
    subject: `CN=${serial}`,
    issuer: "CN=ocsp-ca",
    notBefore: "2026-01-01T00:00:00.000Z",
    notAfter: "2027-01-01T00:00:00.000Z",
    status: "confirmed",
    profile: "default",
    der: "MAA=",
    requester: "test",
    transactionID: serial,
    issuedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
}

beforeAll(async () => {
  dir = await makeTempDir();
  fixture = await ocspFixture(dir);
  other = await ocspFixture(dir, "other-ca");
  store = new MemoryStore();
  const records = [
    record("0c"),
    record("0a0b", { status: "revoked", revokedAt: "2026-12-01T10:00:00.000Z", revocationReason: 1 }),
    record("0d", { status: "revoked", revokedAt: "2026-12-02T11:30:00.000Z", revocationReason: 0 }),
    record("0e", { status: "revoked", revokedAt: "2026-12-03T09:15:00.000Z", revocationReason: 6 }),
    record("0f", { status: "issued" }),
    record("00ff".slice(2), { status: "rejected" }),
  ];
  for (const entry of records) await store.create(certificateKey(entry.serial), entry);
});
afterAll(() => dir.remove());

function context(fields: Partial<OcspContext> = {}): OcspContext {
  return { ca: fixture.ca, store, validitySeconds: 3600, now: () => now, ...fields };
}

describe("answers openssl verifies", () => {
  for (const signer of ["the CA", "a delegated responder"] as const) {
    it(`good, revoked with its reason, unknown: signed by ${signer}, nonce echoed`, async () => {
      const request = await opensslRequest(dir, fixture.openssl.certPath, ["0c", "0a0b", "1234"]);
      const answer = await answerOcsp(request.der, context(signer === "the CA" ? {} : { responder: fixture.responder }));
      expect(answer.outcome).toBe("successful");
      expect(answer.certificates).toEqual([
        { serial: "0c", status: "good" },
        { serial: "0a0b", status: "revoked" },
        { serial: "1234", status: "unknown" },
      ]);
      const text = await opensslCheck(dir, answer.body, request, fixture.openssl.certPath);
      expect(text).toContain("Response verify OK");
      expect(text).not.toContain("Nonce Verify error");
      expect(text).toMatch(/Serial Number: 0C\s+Cert Status: good/);
      expect(text).toMatch(/Serial Number: 0A0B\s+Cert Status: revoked\s+Revocation Time: Dec  1 10:00:00 2026 GMT\s+Revocation Reason: keyCompromise \(0x1\)/);
      expect(text).toMatch(/Serial Number: 1234\s+Cert Status: unknown/);
      expect(text).toContain("Produced At: Dec  4 12:00:00 2026 GMT");
      expect(text).toContain("This Update: Dec  4 12:00:00 2026 GMT");
      expect(text).toContain("Next Update: Dec  4 13:00:00 2026 GMT");
      expect(text).toContain("OCSP Nonce");

      const { basic, data } = decodeResponse(answer.body);
      const responder = signer === "the CA" ? fixture.ca.signer : fixture.responder.signer;
      // RFC 6960 §4.2.1: byKey is the SHA-1 of the responder's public key bits.
      expect(new Uint8Array(data!.responderID.byKey!.buffer)).toEqual(await digest("SHA-1", subjectPublicKeyBits(responder.publicKey)));
      // The delegated responder's certificate travels with the answer; the CA's does not.
      expect(basic!.certs?.length ?? 0).toBe(signer === "the CA" ? 0 : 1);
    });
  }

  it("a delegated responder's answer verifies with the responder certificate pinned (-VAfile)", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { nonce: false });
    const answer = await answerOcsp(request.der, context({ responder: fixture.responder }));
    expect(await opensslCheck(dir, answer.body, request, fixture.openssl.certPath, ["-VAfile", fixture.responderCertPath])).toContain("Response verify OK");
  });

  it("a delegated responder whose certificate expired while running: the CA signs, with a warning", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { nonce: false });
    const later = new Date("2040-01-01T00:00:01Z"); // the fixture's certificates end 2040-01-01T00:00:00Z
    const answer = await answerOcsp(request.der, context({ responder: fixture.responder, now: () => later }));
    expect(answer.outcome).toBe("successful");
    expect(answer.warning).toMatch(/expired at 2040-01-01T00:00:00.000Z; the CA signed instead/);
    const { basic, data } = decodeResponse(answer.body);
    expect(basic!.certs).toBeUndefined();
    expect(new Uint8Array(data!.responderID.byKey!.buffer)).toEqual(await digest("SHA-1", subjectPublicKeyBits(fixture.ca.signer.publicKey)));
  });

  it("no nonce asked, none answered", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { nonce: false });
    const answer = await answerOcsp(request.der, context());
    expect(answer.nonce).toBe(false);
    expect(decodeResponse(answer.body).data!.responseExtensions).toBeUndefined();
  });

  it("CertIDs hashed with SHA-256, SHA-384 and SHA-512 are matched too", async () => {
    for (const hash of ["sha256", "sha384", "sha512"]) {
      const request = await opensslRequest(dir, fixture.openssl.certPath, ["0a0b"], { digest: hash });
      const answer = await answerOcsp(request.der, context());
      expect(answer.certificates).toEqual([{ serial: "0a0b", status: "revoked" }]);
      expect(await opensslCheck(dir, answer.body, request, fixture.openssl.certPath)).toContain("Response verify OK");
    }
  });

  it("unspecified (0) is left out of RevokedInfo; certificateHold (6) is reported as the record says", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0d", "0e"]);
    const text = await opensslCheck(dir, (await answerOcsp(request.der, context())).body, request, fixture.openssl.certPath);
    expect(text).toMatch(/Serial Number: 0D\s+Cert Status: revoked\s+Revocation Time: Dec  2 11:30:00 2026 GMT\s+This Update/);
    expect(text).toMatch(/Serial Number: 0E\s+Cert Status: revoked\s+Revocation Time: Dec  3 09:15:00 2026 GMT\s+Revocation Reason: certificateHold \(0x6\)/);
  });

  it("issued (awaiting certConf) and rejected certificates are good: not revoked (RFC 6960 §2.2)", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0f", "ff"]);
    expect((await answerOcsp(request.der, context())).certificates).toEqual([
      { serial: "0f", status: "good" },
      { serial: "ff", status: "good" },
    ]);
  });

  it("the CertID comes back byte for byte", async () => {
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["0c"]);
    const body = (await answerOcsp(request.der, context())).body;
    const certId = certIdsOf(request.der)[0]!;
    expect(Buffer.from(body).includes(Buffer.from(certId))).toBe(true);
  });
});

describe("issuers", () => {
  it("only another CA's certificates: unauthorized (RFC 6960 §2.3, RFC 5019 §2.2.3)", async () => {
    const request = await opensslRequest(dir, other.openssl.certPath, ["0c"]);
    const answer = await answerOcsp(request.der, context());
    expect(answer.outcome).toBe("unauthorized");
    expect(decodeResponse(answer.body)).toEqual({ status: 6 });
  });

  it("ours and another CA's in one request: ours answered, the other unknown (RFC 6960 §2.2)", async () => {
    const ours = certIdsOf((await opensslRequest(dir, fixture.openssl.certPath, ["0a0b"])).der)[0]!;
    const theirs = certIdsOf((await opensslRequest(dir, other.openssl.certPath, ["0a0b"])).der)[0]!;
    const answer = await answerOcsp(buildRequest({ certIds: [theirs, ours] }), context());
    expect(answer.outcome).toBe("successful");
    expect(answer.certificates).toEqual([{ status: "unknown" }, { serial: "0a0b", status: "revoked" }]);
  });

  it("a hash algorithm the responder does not run (MD5): it cannot tell the issuer, so unauthorized", async () => {
    const certId = certIdsOf((await opensslRequest(dir, fixture.openssl.certPath, ["0c"], { digest: "md5" })).der)[0]!;
    expect((await answerOcsp(buildRequest({ certIds: [certId] }), context())).outcome).toBe("unauthorized");
  });

  it("serial zero and serials over 20 octets are no certificate's: unknown, without a store read", async () => {
    let reads = 0;
    const counting = withGet(store, (key) => (reads++, store.get(key)));
    const request = await opensslRequest(dir, fixture.openssl.certPath, ["00", "01".repeat(22)]);
    const answer = await answerOcsp(request.der, context({ store: counting }));
    expect(answer.certificates).toEqual([
      { serial: undefined, status: "unknown" },
      { serial: undefined, status: "unknown" },
    ]);
    expect(reads).toBe(0);
  });
});

describe("refusals", () => {
  const malformed = async (bytes: Uint8Array): Promise<string | undefined> => {
    const answer = await answerOcsp(bytes, context());
    expect(answer.outcome).toBe("malformedRequest");
    expect(decodeResponse(answer.body)).toEqual({ status: 1 });
    return answer.reason;
  };
  let certId: Uint8Array;
  beforeAll(async () => {
    certId = certIdsOf((await opensslRequest(dir, fixture.openssl.certPath, ["0c"])).der)[0]!;
  });

  it("bytes that are not an OCSPRequest: malformedRequest, never an exception", async () => {
    const valid = (await opensslRequest(dir, fixture.openssl.certPath, ["0c"])).der;
    await malformed(new Uint8Array(0));
    await malformed(Uint8Array.of(0x30, 0x00));
    await malformed(valid.subarray(0, valid.length - 1));
    await malformed(Uint8Array.from([...valid, 0]));
    await malformed(new TextEncoder().encode("hello, world"));
    await malformed(buildRequest({ certIds: [Uint8Array.of(0x30, 0x00)] }));
    await malformed(buildRequest({ certIds: [] }));
    // 40 levels of nesting: refused by the DER walk before any schema parse.
    let deep: Uint8Array = Uint8Array.of(0x05, 0x00);
    for (let level = 0; level < 40; level++) deep = encodeTlv(0x30, [deep]);
    await malformed(deep);
  });

  it("1000 mutations of a valid request (flipped, cut, inserted, duplicated bytes): always an OCSPResponse, never an exception", async () => {
    const valid = (await opensslRequest(dir, fixture.openssl.certPath, ["0c", "0a0b"])).der;
    let seed = 12345;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % below);
    const outcomes = new Set<string>();
    for (let round = 0; round < 1000; round++) {
      let bytes = Array.from(valid);
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(bytes.length);
        switch (random(4)) {
          case 0: bytes[at] = bytes[at]! ^ (1 << random(8)); break;
          case 1: bytes = bytes.slice(0, at); break;
          case 2: bytes.splice(at, 0, random(256)); break;
          default: bytes.splice(at, 0, ...bytes.slice(at, at + random(16))); break;
        }
      }
      const answer = await answerOcsp(Uint8Array.from(bytes), context());
      expect(answer.error).toBeUndefined();
      outcomes.add(answer.outcome);
      expect([0, 1, 6]).toContain(decodeResponse(answer.body).status);
    }
    expect(outcomes).toEqual(new Set(["successful", "malformedRequest", "unauthorized"]));
  });

  it("more than ten CertIDs (RFC 5019 §2.1.1: clients send one)", async () => {
    expect(await malformed(buildRequest({ certIds: Array(11).fill(certId) }))).toMatch(/11 entries/);
    expect((await answerOcsp(buildRequest({ certIds: Array(10).fill(certId) }), context())).outcome).toBe("successful");
  });

  it("a version other than v1", async () => {
    await malformed(buildRequest({ certIds: [certId], version: Uint8Array.of(0x02, 0x01, 0x01) }));
    expect((await answerOcsp(buildRequest({ certIds: [certId], version: Uint8Array.of(0x02, 0x01, 0x00) }), context())).outcome).toBe("successful");
  });

  it("nonces of 1 and 32 octets are echoed; 0, 33, or not an OCTET STRING are malformedRequest (RFC 8954 §2.1)", async () => {
    for (const length of [1, 32]) {
      const nonce = new Uint8Array(length).fill(7);
      const answer = await answerOcsp(buildRequest({ certIds: [certId], requestExtensions: [nonceExtension(nonce)] }), context());
      expect(answer.outcome).toBe("successful");
      const echoed = decodeResponse(answer.body).data!.responseExtensions![0]!;
      expect(new Uint8Array(echoed.extnValue.buffer)).toEqual(encodeTlv(0x04, [nonce]));
      expect(echoed.critical).toBe(false);
    }
    expect(await malformed(buildRequest({ certIds: [certId], requestExtensions: [nonceExtension(new Uint8Array(0))] }))).toMatch(/0 octets/);
    expect(await malformed(buildRequest({ certIds: [certId], requestExtensions: [nonceExtension(new Uint8Array(33))] }))).toMatch(/33 octets/);
    await malformed(buildRequest({ certIds: [certId], requestExtensions: [nonceExtension(new Uint8Array(16).fill(0x41), false)] }));
    await malformed(buildRequest({ certIds: [certId], requestExtensions: [nonceExtension(Uint8Array.of(1)), nonceExtension(Uint8Array.of(2))] }));
  });

  it("unknown extensions are ignored unless critical (RFC 6960 §4.4); singleRequestExtensions are read with their [0] tag", async () => {
    const unknown = Uint8Array.of(0x06, 0x03, 0x2a, 0x03, 0x04);
    const ignored = buildRequest({ certIds: [certId], requestExtensions: [extension(unknown, Uint8Array.of(0x05, 0x00))], singleExtensions: [extension(unknown, Uint8Array.of(0x05, 0x00))] });
    expect((await answerOcsp(ignored, context())).outcome).toBe("successful");
    await malformed(buildRequest({ certIds: [certId], requestExtensions: [extension(unknown, Uint8Array.of(0x05, 0x00), true)] }));
    await malformed(buildRequest({ certIds: [certId], singleExtensions: [extension(unknown, Uint8Array.of(0x05, 0x00), true)] }));
  });

  it("a signed request is answered; its signature is not looked at (RFC 6960 §4.1.2)", async () => {
    const signature = encodeTlv(0x30, [Uint8Array.of(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), Uint8Array.of(0x03, 0x02, 0x00, 0x01)]);
    expect((await answerOcsp(buildRequest({ certIds: [certId], signature }), context())).outcome).toBe("successful");
  });

  it("a store that fails: tryLater (RFC 6960 §2.3)", async () => {
    const broken = withGet(store, async () => Promise.reject(new Error("store down")));
    const answer = await answerOcsp(buildRequest({ certIds: [certId] }), context({ store: broken }));
    expect(answer.outcome).toBe("tryLater");
    expect(decodeResponse(answer.body)).toEqual({ status: 3 });
  });

  it("a signer that fails: tryLater when transient, internalError when not", async () => {
    const failing = (transient: boolean): Signer => ({ ...fixture.ca.signer, algorithm: fixture.ca.signer.algorithm, publicKey: fixture.ca.signer.publicKey, sign: async () => Promise.reject(new SignerError("KMS says no", transient)) });
    const ca = (transient: boolean) => ({ ...fixture.ca, signer: failing(transient) });
    expect((await answerOcsp(buildRequest({ certIds: [certId] }), context({ ca: ca(true) }))).outcome).toBe("tryLater");
    const permanent = await answerOcsp(buildRequest({ certIds: [certId] }), context({ ca: ca(false) }));
    expect(permanent.outcome).toBe("internalError");
    expect(decodeResponse(permanent.body)).toEqual({ status: 2 });
  });
});

/** `inner` with its get replaced. */
function withGet(inner: Store, get: (key: string) => Promise<unknown>): Store {
  return Object.assign(Object.create(inner) as Store, { get });
}
