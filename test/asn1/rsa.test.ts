import { AsnSerializer } from "@peculiar/asn1-schema";
import * as peculiar from "@peculiar/asn1-rsa";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { decodeDer } from "../../src/asn1/codec/der_decoder.js";
import { encodeDer } from "../../src/asn1/codec/der_encoder.js";
import { RsaEsOaepParams, RSAPublicKey, RsaSaPssParams } from "../../src/asn1/rsa.js";
import { oaepAlgorithm } from "../../src/cms/key_transport.js";

// src/asn1/rsa.ts declares what @peculiar/asn1-rsa declares (that package
// runs asn1js as it loads, which the Worker bundle does not have): the
// same octets for the same values, DEFAULTs left out alike.

const hex = (value: ArrayBuffer | Uint8Array) => Buffer.from(value instanceof Uint8Array ? value : new Uint8Array(value)).toString("hex");
const sha256 = () => new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.2.1", parameters: null });
const mgf1 = () => new AlgorithmIdentifier({ algorithm: "1.2.840.113549.1.1.8", parameters: encodeDer(sha256()).slice().buffer });

describe("src/asn1/rsa.ts against @peculiar/asn1-rsa", () => {
  it("RSASSA-PSS-params: all DEFAULTs is an empty SEQUENCE (RFC 8017 §A.2.3), other values as asn1-rsa writes them", () => {
    expect(hex(encodeDer(new RsaSaPssParams()))).toBe("3000");
    expect(hex(encodeDer(new RsaSaPssParams()))).toBe(hex(AsnSerializer.serialize(new peculiar.RsaSaPssParams())));
    const fields = { hashAlgorithm: sha256(), maskGenAlgorithm: mgf1(), saltLength: 32 };
    const ours = encodeDer(new RsaSaPssParams(fields));
    expect(hex(ours)).toBe(hex(AsnSerializer.serialize(new peculiar.RsaSaPssParams(fields))));
    const back = decodeDer(ours, RsaSaPssParams);
    expect([back.hashAlgorithm.algorithm, back.saltLength, back.trailerField]).toEqual(["2.16.840.1.101.3.4.2.1", 32, 1]);
    expect(decodeDer(new Uint8Array([0x30, 0]), RsaSaPssParams)).toEqual(new RsaSaPssParams());
  });

  it("RSAES-OAEP-params: all DEFAULTs is an empty SEQUENCE (RFC 8017 §A.2.1), and the key transport's SHA-256 parameters as asn1-rsa writes them", () => {
    expect(hex(encodeDer(new RsaEsOaepParams()))).toBe("3000");
    expect(hex(encodeDer(new RsaEsOaepParams()))).toBe(hex(AsnSerializer.serialize(new peculiar.RsaEsOaepParams())));
    const fields = { hashAlgorithm: sha256(), maskGenAlgorithm: mgf1() };
    const ours = encodeDer(new RsaEsOaepParams(fields));
    expect(hex(ours)).toBe(hex(AsnSerializer.serialize(new peculiar.RsaEsOaepParams(fields))));
    const back = decodeDer(ours, RsaEsOaepParams);
    expect([back.hashAlgorithm.algorithm, back.pSourceAlgorithm.algorithm]).toEqual(["2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.9"]);
    expect(decodeDer(new Uint8Array([0x30, 0]), RsaEsOaepParams)).toEqual(new RsaEsOaepParams());
    // What src/cms/key_transport.ts sends (the hash's parameters absent, RFC 4055 §2.1) decodes to the same SHA-256 in both.
    const sent = oaepAlgorithm().parameters!;
    expect(decodeDer(new Uint8Array(sent), RsaEsOaepParams).hashAlgorithm.algorithm).toBe("2.16.840.1.101.3.4.2.1");
  });

  it("RSAPublicKey (RFC 8017 §A.1.1)", () => {
    const fields = { modulus: new Uint8Array([0x00, 0xc1, 0x02, 0x03]).buffer, publicExponent: new Uint8Array([1, 0, 1]).buffer };
    const ours = encodeDer(new RSAPublicKey(fields));
    expect(hex(ours)).toBe(hex(AsnSerializer.serialize(new peculiar.RSAPublicKey(fields))));
    expect(hex(decodeDer(ours, RSAPublicKey).modulus)).toBe("00c10203");
  });
});
