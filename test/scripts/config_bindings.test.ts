import { describe, expect, it } from "vitest";
import { envBindings } from "../../scripts/config_bindings.js";

describe("envBindings", () => {
  const config = {
    trustAnchors: { factory: "env:FACTORY_PEM" },
    profiles: { signed: { responseSigner: { key: "env:SIGNER_KEY", certificates: "env:CA_CERT" } } },
  };

  it("takes every env:NAME the configuration names from the environment; the development material gives its own", () => {
    const bindings = envBindings(config, { FACTORY_PEM: "pem1", SIGNER_KEY: "pem2", OTHER: "x" }, new Set(["CA_CERT"]));
    expect(bindings).toEqual({ FACTORY_PEM: "pem1", SIGNER_KEY: "pem2" });
  });

  it("refuses a name nobody gives, naming the field and the binding", () => {
    expect(() => envBindings(config, { FACTORY_PEM: "pem1", SIGNER_KEY: "" }, new Set(["CA_CERT"]))).toThrow(
      'profiles.signed.responseSigner.key: "env:SIGNER_KEY" names the binding SIGNER_KEY, which is not set; set SIGNER_KEY in the environment of npm start',
    );
  });
});
