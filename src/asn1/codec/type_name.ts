import { asnTypeNames } from "../type_names.js";

let names: WeakMap<Function, string> | undefined;

/**
 * The name of an ASN.1 type for a message: the one asn1/type_names.ts
 * lists it under, else its Function.name. The list is read on the first
 * message, not at import: its classes come from modules that import the
 * codec themselves.
 */
export function typeName(type: Function): string {
  if (!names) {
    names = new WeakMap();
    for (const group of asnTypeNames()) for (const [name, value] of Object.entries(group)) if (typeof value === "function") names.set(value, name);
  }
  return names.get(type) ?? type.name;
}
