/**
 * A DER writer that fills its buffer from the end towards the start: an
 * element's contents are written first, so when its header is put in front
 * of them their length is already known, and no element is measured twice
 * or copied once written (X.690 §8.1.1: identifier, length, contents).
 * The finished encoding is the written tail of the buffer.
 */
export class DerWriter {
  #buffer: Uint8Array;
  /** Where the written octets start; they run to the end of #buffer. */
  #start: number;

  constructor(capacity = 1024) {
    this.#buffer = new Uint8Array(capacity);
    this.#start = capacity;
  }

  /** How many octets are written so far: a mark before an element's contents, to measure them after. */
  get size(): number {
    return this.#buffer.length - this.#start;
  }

  /** Start again, empty, keeping the buffer (a large one is let go: one big certificate chain should not pin it). */
  reset(): void {
    if (this.#buffer.length > 1 << 16) this.#buffer = new Uint8Array(1024);
    this.#start = this.#buffer.length;
  }

  /** The encoding, as a copy of exactly its octets. */
  result(): Uint8Array {
    return this.#buffer.slice(this.#start);
  }

  /** The written octets, as a view (valid until the next write). */
  view(): Uint8Array {
    return this.#buffer.subarray(this.#start);
  }

  #reserve(count: number): void {
    if (this.#start >= count) return;
    const size = this.size;
    let capacity = this.#buffer.length * 2;
    while (capacity - size < count) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buffer.subarray(this.#start), capacity - size);
    this.#buffer = grown;
    this.#start = capacity - size;
  }

  byte(octet: number): void {
    this.#reserve(1);
    this.#buffer[--this.#start] = octet;
  }

  bytes(octets: Uint8Array): void {
    this.#reserve(octets.length);
    this.#start -= octets.length;
    this.#buffer.set(octets, this.#start);
  }

  /** One octet per character code, modulo 256 (what asn1js writes for its single-octet string types). */
  latin1(text: string): void {
    const length = text.length;
    this.#reserve(length);
    this.#start -= length;
    const buffer = this.#buffer;
    const start = this.#start;
    for (let index = 0; index < length; index++) buffer[start + index] = text.charCodeAt(index);
  }

  /**
   * The identifier and length octets in front of the contents written since
   * `mark`: a single-octet tag (X.690 §8.1.2.2, tag numbers below 31) and the
   * length in its definite, minimal form (X.690 §8.1.3, §10.1).
   */
  header(tag: number, mark: number): void {
    let length = this.size - mark;
    this.#reserve(6);
    const buffer = this.#buffer;
    if (length < 0x80) {
      buffer[--this.#start] = length;
    } else {
      let count = 0;
      while (length > 0) {
        buffer[--this.#start] = length & 0xff;
        length = Math.floor(length / 256);
        count++;
      }
      buffer[--this.#start] = 0x80 | count;
    }
    buffer[--this.#start] = tag;
  }

  /** The first octet written so far (the identifier of the element just written). */
  peek(): number {
    return this.#buffer[this.#start]!;
  }

  /**
   * Take off the identifier and length octets of the element just written
   * (it starts at the front), leaving its contents: how an IMPLICIT tag
   * replaces a type's own (X.690 §8.14.3). Returns the identifier's first octet.
   */
  dropHeader(): number {
    const buffer = this.#buffer;
    let at = this.#start;
    const tag = buffer[at++]!;
    if ((tag & 0x1f) === 0x1f) while (buffer[at++]! & 0x80);
    const first = buffer[at++]!;
    if (first & 0x80) at += first & 0x7f;
    this.#start = at;
    return tag;
  }
}
