import { allNodes, cloneTree, encodeTree, type DerNode } from "./der_tree.js";
import type { Random } from "./random.js";

/**
 * Structure-aware mutations of a DER tree: what a fuzzer that knows TLVs
 * (but not CMP) does to reach deep checks while keeping most of a message
 * well formed. Each returns a short name for the findings report.
 */

/** OBJECT IDENTIFIERs the engine looks at: algorithms, extensions, controls, info types. */
const INTERESTING_OIDS = [
  "1.2.840.113533.7.66.13", "1.2.840.113549.1.5.14", "1.2.840.113549.1.5.12", "1.3.6.1.5.5.8.1.2",
  "1.2.840.113549.2.7", "1.2.840.113549.2.9", "1.2.840.113549.2.10", "1.2.840.113549.2.11", "1.2.840.113549.2.8",
  "1.3.14.3.2.26", "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3", "2.16.840.1.101.3.4.2.4",
  "2.16.840.1.101.3.4.2.19", "2.16.840.1.101.3.4.2.20", "2.16.840.1.101.3.4.1.9", "1.2.840.113549.2.5",
  "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", "1.2.840.10045.4.1",
  "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.5", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.10", "1.2.840.113549.1.1.8",
  "1.3.101.112", "1.3.101.113", "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35", "1.3.132.0.10",
  "1.3.6.1.5.5.7.4.13", "1.3.6.1.5.5.7.4.17", "1.3.6.1.5.5.7.4.21", "1.3.6.1.5.5.7.5.1.5", "1.3.6.1.5.5.7.5.1.1",
  "2.5.29.14", "2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.21", "2.5.29.30", "2.5.29.32", "2.5.29.35", "2.5.29.37",
  "1.2.840.113549.1.9.14", "2.5.4.3", "2.5.4.5", "2.5.4.6", "2.5.4.10", "0.9.2342.19200300.100.1.1", "1.2.840.113549.1.9.1",
];

export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(BigInt);
  const out: number[] = [];
  const push = (value: bigint) => {
    const digits = [Number(value & 0x7fn)];
    for (value >>= 7n; value > 0n; value >>= 7n) digits.unshift(Number(value & 0x7fn) | 0x80);
    out.push(...digits);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  arcs.slice(2).forEach(push);
  return Uint8Array.from(out);
}

const OID_CONTENTS = INTERESTING_OIDS.map(encodeOid);

const INTEGER_EDGES = [
  [0x00], [0x01], [0x02], [0x03], [0x7f], [0x80], [0xff], [0x00, 0x80], [0x00, 0x00], [0xff, 0xff], [0x01, 0xf4], [0x27, 0x10],
  [0x01, 0x86, 0xa0], [0x7f, 0xff, 0xff, 0xff], [0x00, 0xff, 0xff, 0xff, 0xff], [0x80, 0, 0, 0, 0, 0, 0, 0],
  [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [],
].map((bytes) => Uint8Array.from(bytes));

const TEXT_EDGES = ["", "Z", "20261204141500Z", "991231235959Z", "20261304250000Z", "2026120414150.5Z", "\u0000", "\uffff", "ä", "CN=x"]
  .map((text) => new TextEncoder().encode(text))
  .concat([Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xff, 0xfe)]);

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x1f, 0x30, 0x31, 0x00,
  0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x87, 0x88, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xba, 0xbf, 0x24, 0x23];

export type Mutation = (random: Random, root: DerNode, pool: readonly DerNode[]) => string | undefined;

function someNode(random: Random, root: DerNode, filter: (node: DerNode) => boolean = () => true) {
  const nodes = allNodes(root).filter(({ node }) => filter(node));
  return nodes.length > 0 ? random.pick(nodes) : undefined;
}

const primitive = (node: DerNode) => !node.children;
const constructed = (node: DerNode) => node.children !== undefined && node.children.length > 0;

export const MUTATIONS: Record<string, Mutation> = {
  content(random, root) {
    const target = someNode(random, root, primitive);
    if (!target) return undefined;
    const { node } = target;
    if (node.tag === 0x06) node.content = random.pick(OID_CONTENTS);
    else if (node.tag === 0x02 || node.tag === 0x0a || node.tag === 0x80) node.content = random.pick(INTEGER_EDGES);
    else if (random.chance(0.5)) node.content = random.pick(TEXT_EDGES);
    else node.content = random.bytes(random.size(64));
    return `content of 0x${node.tag.toString(16)}`;
  },
  flipBit(random, root) {
    const target = someNode(random, root, (node) => primitive(node) && (node.content?.length ?? 0) > 0);
    if (!target) return undefined;
    const content = target.node.content!.slice();
    content[random.int(content.length)] ^= 1 << random.int(8);
    target.node.content = content;
    return "flip a bit";
  },
  tag(random, root) {
    const target = someNode(random, root);
    if (!target) return undefined;
    target.node.tag = random.pick(TAGS);
    return `tag to 0x${target.node.tag.toString(16)}`;
  },
  delete(random, root) {
    const target = someNode(random, root, constructed);
    if (!target) return undefined;
    target.node.children!.splice(random.int(target.node.children!.length), 1);
    return "delete a child";
  },
  duplicate(random, root) {
    const target = someNode(random, root, constructed);
    if (!target) return undefined;
    const children = target.node.children!;
    const index = random.int(children.length);
    children.splice(index, 0, cloneTree(children[index]!));
    return "duplicate a child";
  },
  swap(random, root) {
    const target = someNode(random, root, (node) => (node.children?.length ?? 0) > 1);
    if (!target) return undefined;
    const children = target.node.children!;
    const [a, b] = [random.int(children.length), random.int(children.length)];
    [children[a], children[b]] = [children[b]!, children[a]!];
    return "swap two children";
  },
  insert(random, root, pool) {
    const target = someNode(random, root, (node) => node.children !== undefined);
    if (!target) return undefined;
    target.node.children!.splice(random.int(target.node.children!.length + 1), 0, cloneTree(random.pick(pool)));
    return "insert a piece of another message";
  },
  replace(random, root, pool) {
    const target = someNode(random, root);
    if (!target?.parent) return undefined;
    const sameTag = pool.filter((node) => node.tag === target.node.tag);
    const replacement = cloneTree(sameTag.length > 0 && random.chance(0.7) ? random.pick(sameTag) : random.pick(pool));
    const siblings = target.parent.children!;
    siblings[siblings.indexOf(target.node)] = replacement;
    return "replace with a piece of another message";
  },
  oid(random, root) {
    const target = someNode(random, root, (node) => node.tag === 0x06);
    if (!target) return undefined;
    const roll = random.next();
    if (roll < 0.6) target.node.content = random.pick(OID_CONTENTS);
    else if (roll < 0.8) target.node.content = new Uint8Array(random.size(40000)).fill(0x01).map((_, i) => (i === 0 ? 0x2a : 1));
    else target.node.content = Uint8Array.from([0x2a, ...new Uint8Array(random.size(40000)).fill(0x81), 0x01]);
    return "an OBJECT IDENTIFIER";
  },
  deep(random, root) {
    const target = someNode(random, root);
    if (!target?.parent) return undefined;
    let node = target.node;
    const depth = 1 + random.size(200);
    for (let level = 0; level < depth; level++) node = { tag: random.chance(0.8) ? 0x30 : 0xa0, children: [node] };
    const siblings = target.parent.children!;
    siblings[siblings.indexOf(target.node)] = node;
    return `nest ${depth} deep`;
  },
  repeat(random, root) {
    const target = someNode(random, root, constructed);
    if (!target) return undefined;
    const children = target.node.children!;
    const child = children[random.int(children.length)]!;
    const count = 2 + random.size(3000);
    for (let index = 0; index < count; index++) children.push(child);
    return `repeat a child ${count} times`;
  },
  huge(random, root) {
    const target = someNode(random, root, primitive);
    if (!target) return undefined;
    target.node.content = random.bytes(random.size(40000));
    return "huge contents";
  },
  empty(random, root) {
    const target = someNode(random, root, constructed);
    if (!target) return undefined;
    target.node.children = [];
    return "empty a constructed element";
  },
};

const NAMES = Object.keys(MUTATIONS);

/** Apply one to three mutations to `root`; returns their names. */
export function mutateTree(random: Random, root: DerNode, pool: readonly DerNode[]): string[] {
  const applied: string[] = [];
  const rounds = 1 + random.int(3);
  for (let round = 0; round < rounds; round++) {
    const name = random.pick(NAMES);
    const done = MUTATIONS[name]!(random, root, pool);
    if (done) applied.push(done);
  }
  return applied;
}

/** Byte-level damage after encoding: what no re-protection can follow. */
export function mutateBytes(random: Random, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const out = bytes.slice();
  const at = random.int(out.length);
  switch (random.int(5)) {
    case 0:
      out[at] ^= 1 << random.int(8);
      return { bytes: out, what: "flip a bit of the encoding" };
    case 1:
      out[at] = random.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff]);
      return { bytes: out, what: "overwrite a byte of the encoding" };
    case 2:
      return { bytes: out.subarray(0, at), what: "truncate" };
    case 3:
      return { bytes: Uint8Array.from([...out.subarray(0, at), random.int(256), ...out.subarray(at)]), what: "insert a byte" };
    default:
      return { bytes: Uint8Array.from([...out, ...random.bytes(1 + random.int(8))]), what: "append bytes" };
  }
}

export { encodeTree };
