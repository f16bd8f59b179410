import { AsnType, type AsnPropTypes, type AsnTypeTypes, type IAsnConverter } from "@peculiar/asn1-schema";

/**
 * What @peculiar/asn1-schema's decorators registered for a class: its kind
 * (SEQUENCE, SET, CHOICE), its fields in declaration order with their type,
 * tagging and optionality, and for a SEQUENCE OF / SET OF its item type.
 * The project's DER codec (der_decoder.ts) is driven by these, so every
 * structure is still declared once, with the RFC's names.
 */
export interface SchemaItem {
  type: AsnPropTypes | (new () => unknown);
  optional?: boolean;
  defaultValue?: unknown;
  context?: number;
  implicit?: boolean;
  converter?: IAsnConverter;
  repeated?: "sequence" | "set";
  raw?: boolean;
}

export interface Schema {
  type: AsnTypeTypes;
  itemType?: AsnPropTypes | (new () => unknown);
  items: Record<string, SchemaItem>;
}

const cache = new WeakMap<Function, Schema | null>();

/**
 * The schema of `target`, or undefined when it has none (a class that
 * converts itself, like OctetString). The library keeps its registry
 * private; it is read through its public AsnType decorator: applied to a
 * throwaway subclass, the decorator copies the class's schema into a new
 * entry and assigns the options onto it, and a setter installed for one
 * unique key for the duration of that call receives that entry. This works
 * whichever build of the library (CommonJS under Node, ES modules in the
 * Worker bundle) the resolver loaded, since it goes through the same module
 * the decorators of every schema class went through.
 */
export function schemaOf(target: Function): Schema | undefined {
  const known = cache.get(target);
  if (known !== undefined) return known ?? undefined;
  const key = `__jellyfishSchemaProbe${Math.random().toString(36).slice(2)}`;
  let captured: Schema | undefined;
  Object.defineProperty(Object.prototype, key, {
    configurable: true,
    set(this: Schema) {
      captured = this;
    },
  });
  try {
    const probe = class extends (target as new () => object) {};
    AsnType({ [key]: true } as never)(probe);
  } finally {
    delete (Object.prototype as Record<string, unknown>)[key];
  }
  // A class without its own or an inherited schema gets a default empty SEQUENCE: that is no schema.
  const schema = captured && (Object.keys(captured.items).length > 0 || captured.itemType !== undefined || captured.type !== 0) ? captured : undefined;
  cache.set(target, schema ?? null);
  return schema;
}
