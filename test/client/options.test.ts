import { describe, expect, it } from "vitest";
import { CmpClient } from "../../src/client/index.js";
import { makeTestCa } from "../support/engine_server.js";
import { newSigner } from "./keys.js";

// Mistakes in the options are the caller's, found before anything is sent:
// TypeError or RangeError, never a CmpClientError.

const mac = { mac: { reference: "dev", secret: "s3cret" } };

describe("CmpClient options", () => {
  it("refuses MAC iteration counts outside 100..100 000, an empty reference and unknown algorithms", () => {
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: { mac: { reference: "dev", secret: "s", iterations: 99 } } })).toThrow(RangeError);
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: { mac: { reference: "dev", secret: "s", iterations: 100_001 } } })).toThrow(RangeError);
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: { mac: { reference: "", secret: "s" } } })).toThrow(TypeError);
    expect(
      () => new CmpClient({ url: "http://127.0.0.1:9/", protection: { mac: { reference: "dev", secret: "s", algorithm: "kmac" as "pbm" } } }),
    ).toThrow(TypeError);
  });

  it("refuses a signer whose key is not the certificate's, a pvno other than 2 or 3, and empty anchors", async () => {
    const { ca } = await makeTestCa();
    const stranger = await newSigner();
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: { signature: { signer: stranger, certificates: [ca.certificate] } } })).toThrow(
      /not the key of certificates\[0\]/,
    );
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: mac, pvno: 1 as 2 })).toThrow(TypeError);
    expect(() => new CmpClient({ url: "http://127.0.0.1:9/", protection: mac, trust: { anchors: [] } })).toThrow(TypeError);
  });

  it("kur without a certificate to update, and a key whose publicKey is not its signer's", async () => {
    const client = new CmpClient({ url: "http://127.0.0.1:9/", protection: mac });
    const signer = await newSigner();
    await expect(client.kur({ key: { signer } })).rejects.toThrow(TypeError);
    await expect(client.ir({ subject: "CN=x", key: { signer, publicKey: (await newSigner()).publicKey } })).rejects.toThrow(TypeError);
    await expect(client.genm({ infoTypes: [] })).rejects.toThrow(TypeError);
  });
});
