import { beforeAll, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { checkRootCaUpdate } from "../../src/ca/root_ca_update.js";
import { loadConfig, type ConfigSource } from "../../src/config/load.js";
import { LocalSigner } from "../../src/kms/local.js";
import { compose } from "../../src/runtime/compose.js";
import { MemoryStore } from "../../src/store/memory.js";
import { material } from "../../fuzz/target.js";
import { makeRootRollover, type RootRollover } from "../support/root_rollover.js";

// rootCaUpdate (RFC 9810 §5.3.19.15, RFC 9483 §4.3.2): the loader checks
// what it can without the CA, the composition checks the signatures against
// the CA's current root; every error names the field.

let rollover: RootRollover;
let other: RootRollover;
beforeAll(() => {
  rollover = makeRootRollover(material("ca.pem"), material("ca.key.pem"), "/CN=Jellyfish Test CA");
  other = makeRootRollover(material("ca.pem"), material("ca.key.pem"), "/CN=Jellyfish Test CA");
});

const der = (pem: string) => decodeCertificatesPem(pem)[0]!;
const source = (rootCaUpdate: unknown, extra: ConfigSource = {}): ConfigSource => ({ JELLYFISH_CONFIG: JSON.stringify({ rootCaUpdate }), ...extra });

describe("rootCaUpdate in JELLYFISH_CONFIG", () => {
  it("absent: no rollover", () => {
    expect(loadConfig({}).rootCaUpdate).toBeUndefined();
  });

  it("PEM inline or env:NAME, decoded to DER", () => {
    const config = loadConfig(source({ newWithNew: "env:NEW_ROOT", newWithOld: rollover.newWithOld, oldWithNew: rollover.oldWithNew }, { NEW_ROOT: rollover.newWithNew }));
    expect(config.rootCaUpdate).toEqual({ newWithNew: der(rollover.newWithNew), newWithOld: der(rollover.newWithOld), oldWithNew: der(rollover.oldWithNew) });
    expect(loadConfig(source({ newWithNew: rollover.newWithNew, newWithOld: rollover.newWithOld })).rootCaUpdate?.oldWithNew).toBeUndefined();
  });

  it.each([
    [{ newWithNew: material("ca.pem") }, /rootCaUpdate.newWithOld: is required/],
    [{ newWithOld: "x" }, /rootCaUpdate.newWithNew: must be PEM text or "env:NAME"/],
    [{ newWithNew: "env:MISSING", newWithOld: "x" }, /rootCaUpdate.newWithNew: the binding MISSING is not set/],
    [{ extra: 1 }, /rootCaUpdate.extra: unknown field/],
  ])("%j is refused naming the field", (value, message) => {
    expect(() => loadConfig(source(value))).toThrow(message);
  });

  it("newWithNew must be self-issued, one certificate", () => {
    expect(() => loadConfig(source({ newWithNew: material("client.pem"), newWithOld: rollover.newWithOld }))).toThrow(/rootCaUpdate.newWithNew: must be self-issued/);
    expect(() => loadConfig(source({ newWithNew: rollover.newWithNew + rollover.newWithOld, newWithOld: rollover.newWithOld }))).toThrow(/rootCaUpdate.newWithNew: must hold exactly one certificate, not 2/);
  });

  it("newWithOld must certify newWithNew's key; oldWithNew must be issued by newWithNew", () => {
    expect(() => loadConfig(source({ newWithNew: rollover.newWithNew, newWithOld: other.newWithOld }))).toThrow(/rootCaUpdate.newWithOld: must certify the public key of newWithNew/);
    expect(() => loadConfig(source({ newWithNew: rollover.newWithNew, newWithOld: rollover.newWithOld, oldWithNew: material("other-ca.pem") }))).toThrow(/rootCaUpdate.oldWithNew: must be issued by newWithNew/);
  });
});

describe("checkRootCaUpdate: the signatures, against the CA's current root", () => {
  const chain = () => decodeCertificatesPem(material("ca.pem"));
  const update = (change: Partial<Record<"newWithNew" | "newWithOld" | "oldWithNew", string>> = {}) => {
    const pems = { newWithNew: rollover.newWithNew, newWithOld: rollover.newWithOld, oldWithNew: rollover.oldWithNew, ...change };
    return { newWithNew: der(pems.newWithNew), newWithOld: der(pems.newWithOld), oldWithNew: der(pems.oldWithNew) };
  };

  it("a rollover made from the CA's root passes", async () => {
    await expect(checkRootCaUpdate(update(), chain())).resolves.toBeUndefined();
  });

  it("newWithOld not signed by the current root", async () => {
    const [otherRoot] = decodeCertificatesPem(material("other-ca.pem"));
    await expect(checkRootCaUpdate(update(), [otherRoot!])).rejects.toThrow(/rootCaUpdate.newWithOld: is not signed by the current root key/);
  });

  it("oldWithNew signed by another new key", async () => {
    await expect(checkRootCaUpdate(update({ oldWithNew: other.oldWithNew }), chain())).rejects.toThrow(/rootCaUpdate.oldWithNew: is not signed by newWithNew's key/);
  });

  it("newWithNew is the current root", async () => {
    await expect(checkRootCaUpdate(update({ newWithNew: material("ca.pem") }), chain())).rejects.toThrow(/rootCaUpdate.newWithNew: is the current root certificate itself/);
  });

  it("a chain without a root", async () => {
    await expect(checkRootCaUpdate(update(), decodeCertificatesPem(material("client.pem")))).rejects.toThrow(/rootCaUpdate: the CA chain \(CA_CERT\) ends in no self-signed root/);
  });

  it("the composition refuses a wrong rollover as Misconfigured", async () => {
    const signer = await LocalSigner.fromPkcs8(material("ca.key.pem"));
    const platform = (rootCaUpdate: unknown) => ({
      settings: { JELLYFISH_CONFIG: JSON.stringify({ rootCaUpdate }) },
      makeSigner: async () => ({ signer, certificates: chain() }),
      makeStore: () => new MemoryStore(),
      log: () => undefined,
    });
    await expect(compose(platform({ newWithNew: rollover.newWithNew, newWithOld: rollover.newWithOld }))).resolves.toBeDefined();
    await expect(compose(platform({ newWithNew: rollover.newWithNew, newWithOld: rollover.newWithOld, oldWithNew: other.oldWithNew }))).rejects.toThrow(
      expect.objectContaining({ name: "Misconfigured", message: expect.stringMatching(/rootCaUpdate.oldWithNew/) }),
    );
  });
});
