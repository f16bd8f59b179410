let source: (() => Array<Record<string, unknown>>) | undefined;
let names: WeakMap<Function, string> | undefined;

/**
 * Where the names of ASN.1 types come from (src/asn1/type_names.ts, which
 * the Worker's entry imports). This module imports nothing: the list's
 * classes come from modules that import the codec, and the codec importing
 * the list would make a cycle in which some decorator saw a class not yet
 * defined. The list is read on the first message, not at registration.
 */
export function registerTypeNames(list: () => Array<Record<string, unknown>>): void {
  source = list;
  names = undefined;
}

/** The name of an ASN.1 type for a message: the one it is registered under, else its Function.name (minified in the Worker). */
export function typeName(type: Function): string {
  if (!names && source) {
    names = new WeakMap();
    for (const group of source()) for (const [name, value] of Object.entries(group)) if (typeof value === "function") names.set(value, name);
  }
  return names?.get(type) ?? type.name;
}
