/**
 * A DER message as a tree the mutator can change and encode again with
 * correct lengths. Reading is lenient (whatever the bytes say), so seeds
 * and spliced pieces of any shape fit in.
 */
export interface DerNode {
  tag: number;
  /** Constructed (or, for OCTET/BIT STRINGs, DER found inside): the children. */
  children?: DerNode[];
  /** Primitive contents; for a BIT STRING with children, the unused-bits octet. */
  content?: Uint8Array;
  /** Children found inside a primitive OCTET STRING or BIT STRING (an extension value, a key). */
  embedded?: boolean;
}

export function parseTree(bytes: Uint8Array): DerNode {
  const [node, end] = readNode(bytes, 0, bytes.length, 0);
  if (end !== bytes.length) throw new Error("trailing bytes");
  return node;
}

function readNode(bytes: Uint8Array, offset: number, limit: number, depth: number): [DerNode, number] {
  if (offset + 2 > limit) throw new Error("truncated");
  const tag = bytes[offset]!;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > limit) throw new Error("length");
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[start + index]!;
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error("overrun");
  const content = bytes.subarray(start, end);
  if (depth < 40 && tag & 0x20) {
    const children = readChildren(content, depth + 1);
    if (children) return [{ tag, children }, end];
  }
  if (depth < 40 && (tag === 0x04 || tag === 0x03) && content.length > 2) {
    const inner = tag === 0x03 ? content.subarray(1) : content;
    if (tag === 0x04 || content[0] === 0) {
      const children = readChildren(inner, depth + 1);
      if (children && children.length === 1 && (children[0]!.tag & 0x20)) {
        return [{ tag, children, embedded: true, content: tag === 0x03 ? content.subarray(0, 1) : undefined }, end];
      }
    }
  }
  return [{ tag, content }, end];
}

function readChildren(bytes: Uint8Array, depth: number): DerNode[] | undefined {
  const children: DerNode[] = [];
  try {
    for (let offset = 0; offset < bytes.length; ) {
      const [child, end] = readNode(bytes, offset, bytes.length, depth);
      children.push(child);
      offset = end;
    }
  } catch {
    return undefined;
  }
  return children;
}

/** Encode with correct lengths, into one buffer (sizes first, then one write). */
export function encodeTree(node: DerNode): Uint8Array {
  const sizes = new Map<DerNode, number>();
  const out = new Uint8Array(totalSize(node, sizes));
  write(node, out, 0, sizes);
  return out;
}

function contentSize(node: DerNode, sizes: Map<DerNode, number>): number {
  if (!node.children) return node.content?.length ?? 0;
  let size = node.embedded && node.tag === 0x03 ? (node.content?.length ?? 1) : 0;
  for (const child of node.children) size += totalSize(child, sizes);
  return size;
}

function totalSize(node: DerNode, sizes: Map<DerNode, number>): number {
  // Mutations share subtrees (a child repeated thousands of times): each is sized once.
  const content = sizes.get(node) ?? contentSize(node, sizes);
  sizes.set(node, content);
  return 1 + lengthOctets(content) + content;
}

/** The length of encodeTree(node), without encoding it. */
export function encodedSize(node: DerNode): number {
  return totalSize(node, new Map());
}

function lengthOctets(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x1000000 ? 4 : 5;
}

function write(node: DerNode, out: Uint8Array, at: number, sizes: Map<DerNode, number>): number {
  const length = sizes.get(node)!;
  out[at++] = node.tag;
  const octets = lengthOctets(length);
  if (octets === 1) out[at++] = length;
  else {
    out[at++] = 0x80 | (octets - 1);
    for (let shift = (octets - 2) * 8; shift >= 0; shift -= 8) out[at++] = (length / 2 ** shift) & 0xff;
  }
  if (!node.children) {
    if (node.content) out.set(node.content, at);
    return at + (node.content?.length ?? 0);
  }
  if (node.embedded && node.tag === 0x03) {
    const unused = node.content ?? Uint8Array.of(0);
    out.set(unused, at);
    at += unused.length;
  }
  for (const child of node.children) at = write(child, out, at, sizes);
  return at;
}

/** Every node below and including `root`, with its parent (undefined for the root). */
export function allNodes(root: DerNode): Array<{ node: DerNode; parent?: DerNode }> {
  const out: Array<{ node: DerNode; parent?: DerNode }> = [{ node: root }];
  for (let index = 0; index < out.length; index++) {
    const { node } = out[index]!;
    for (const child of node.children ?? []) out.push({ node: child, parent: node });
  }
  return out;
}

export function cloneTree(node: DerNode): DerNode {
  return { ...node, children: node.children?.map(cloneTree) };
}
