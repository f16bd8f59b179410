/**
 * Compare two byte strings in time that depends only on their lengths, so a
 * MAC check leaks nothing about how many leading bytes of a forged MAC were
 * right. Lengths are public (the MAC length follows from the algorithm), so
 * a length mismatch may return early.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
