import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Certificate } from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { decodeSinglePem, encodePem } from "../../src/asn1/pem.js";
import { parseOperatorDer } from "../../src/asn1/parse_operator_der.js";
import { readCertificateChain } from "../../src/ca/local_key_pair.js";

// Operator certificates and keys go through the strict DER decoder at
// start-up (no lenient asn1js in the Worker): DER is read, BER refused with
// what it is and what is wrong with it.

const material = join(import.meta.dirname, "../fixtures/openssl/material");
const caDer = decodeSinglePem(readFileSync(join(material, "ca.pem"), "utf8"), "CERTIFICATE");

/** The same certificate with its outer length in one octet more than it needs: BER, not DER (X.690 §10.1). */
function withLongerLength(der: Uint8Array): Uint8Array {
  expect(der[1]).toBe(0x82);
  return new Uint8Array([0x30, 0x83, 0x00, ...der.subarray(2)]);
}

describe("parseOperatorDer", () => {
  it("reads a DER certificate", () => {
    expect(parseOperatorDer(caDer, Certificate, "the CA certificate").tbsCertificate.version).toBe(2);
  });

  it("refuses a BER one, naming it and the rule it breaks", () => {
    expect(() => parseOperatorDer(withLongerLength(caDer), Certificate, "the CA certificate")).toThrow(
      /^the CA certificate is not DER: length at offset 1 has a leading zero octet \(not DER\)$/,
    );
  });

  it("gives the setting's name for a configured chain (CA_CERT and the like)", () => {
    const pem = encodePem("CERTIFICATE", withLongerLength(caDer));
    expect(() => readCertificateChain(pem, "CA_CERT")).toThrow(/^CA_CERT: its first certificate is not DER: length at offset 1 has a leading zero octet \(not DER\)$/);
  });
});
