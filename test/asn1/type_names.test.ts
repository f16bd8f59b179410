import { describe, expect, it } from "vitest";
import { typeName } from "../../src/asn1/codec/type_name.js";
import { asnTypeNames } from "../../src/asn1/type_names.js";
import * as project from "../../src/asn1/index.js";

// The names src/asn1/type_names.ts gives ASN.1 types for the codec's
// messages (the Worker's class names are minified) are the classes' own.

describe("asnTypeNames", () => {
  it("lists each class under its own name", () => {
    for (const group of asnTypeNames()) {
      for (const [name, type] of Object.entries(group)) {
        expect(typeof type, name).toBe("function");
        expect((type as Function).name, name).toBe(name);
      }
    }
  });

  it("lists every schema class src/asn1/index.ts exports", () => {
    const listed = new Set(asnTypeNames().flatMap((group) => Object.values(group)));
    const schemaClasses = Object.entries(project).filter(([, value]) => typeof value === "function" && /^class /.test(String(value)) && !(value.prototype instanceof Error));
    for (const [name, type] of schemaClasses) expect(listed.has(type), name).toBe(true);
  });

  it("typeName gives the listed name, else Function.name", () => {
    expect(typeName(project.PKIMessage)).toBe("PKIMessage");
    expect(typeName(class Unlisted {})).toBe("Unlisted");
  });
});
