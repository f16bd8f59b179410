/**
 * The DER of a structure that is sent again and again (a client's names, a
 * signature algorithm, the protectionAlg of one message that is also kept to
 * recognise the answer), encoded once per object. Only for objects that do
 * not change once made: the cache is keyed by identity.
 */
const encoded = new WeakMap<object, Uint8Array>();

export function derOf<T extends object>(value: T, encode: (value: T) => Uint8Array): Uint8Array {
  let der = encoded.get(value);
  if (!der) encoded.set(value, (der = encode(value)));
  return der;
}
