/**
 * A decoded schema object as two decoders' results can be compared: buffers
 * as hex, dates as ISO text, class instances and arrays with their class
 * name, absent fields left out. Used by the DER codec's differential tests
 * (test/asn1/codec/) and its mutation run (scripts/codec_differential.ts).
 */
export function normaliseDecoded(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { hex: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) return { hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (value instanceof Date) return { date: Number.isNaN(value.getTime()) ? "invalid" : value.toISOString() };
  if (Array.isArray(value)) return { class: value.constructor.name, items: value.map(normaliseDecoded) };
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = { class: value.constructor.name };
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = normaliseDecoded(field);
    return out;
  }
  return value;
}
