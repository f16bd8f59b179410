import { toUint8Array } from "./index.js";

// "@peculiar/utils/bytes" in the Worker bundle (index.ts says why).
export { isBufferSource, toArrayBuffer, toUint8Array } from "./index.js";

/** Whether two buffer sources hold the same bytes; `constantTime` compares every byte whatever the lengths. */
export function equal(a: unknown, b: unknown, options: { constantTime?: boolean } = {}): boolean {
  const left = toUint8Array(a);
  const right = toUint8Array(b);
  if (!options.constantTime && left.byteLength !== right.byteLength) return false;
  const length = Math.max(left.byteLength, right.byteLength);
  let diff = left.byteLength ^ right.byteLength;
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}
