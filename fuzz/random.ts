/**
 * A seeded pseudo-random generator (mulberry32): a run is reproduced by its
 * seed. Not for anything secret; the engine under test draws its nonces from
 * WebCrypto as always.
 */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let index = 0; index < length; index++) out[index] = this.int(256);
    return out;
  }
  /** Small numbers often, large ones sometimes: the sizes bugs live at. */
  size(max: number): number {
    const roll = this.next();
    if (roll < 0.5) return this.int(Math.min(max, 8) + 1);
    if (roll < 0.8) return this.int(Math.min(max, 200) + 1);
    return this.int(max + 1);
  }
}
