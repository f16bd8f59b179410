import { isDeepStrictEqual } from "node:util";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnParser, AsnSerializer } from "@peculiar/asn1-schema";
import { decodeDer } from "../src/asn1/codec/der_decoder.js";
import { encodeDer } from "../src/asn1/codec/der_encoder.js";
import { checkDer, DEFAULT_DER_LIMITS } from "../src/asn1/der_scan.js";
import { PKIMessage } from "../src/asn1/pki_message.js";
import { cloneTree, encodeTree, parseTree, type DerNode } from "../fuzz/der_tree.js";
import { mutateBytes, mutateTree } from "../fuzz/mutations.js";
import { Random } from "../fuzz/random.js";
import { CORPUS, FIXTURES } from "../fuzz/seeds.js";
import { normaliseDecoded } from "../test/support/asn1_normalise.js";

/**
 * `tsx scripts/codec_differential.ts [--messages N] [--seed S]`: the
 * project's DER decoder against AsnParser (asn1js) on mutations of every
 * PKIMessage in the fixtures and the fuzz corpus (issue 15's acceptance:
 * at least 100 000). For each message:
 *  - both decode: the objects must be equal;
 *  - both refuse: fine;
 *  - only asn1js decodes: fine if the bytes are not the DER encoding of
 *    what it decoded (BER that asn1js tolerates), a finding if they are
 *    (we refused valid DER);
 *  - only we decode: fine when asn1js failed converting a time, string or
 *    integer (it tokenizes contents the schema keeps opaque, which the
 *    project's decoder leaves for whoever parses them), a finding otherwise;
 *  - decoded differently: a finding, except an OID arc past 2^53, which
 *    asn1js writes as "{hex}".
 * And the project's DER encoder against AsnSerializer: for every message
 * both decoders accept, encodeDer(decoded) must give AsnSerializer's octets
 * for the same object (both refusing to encode it counts as agreeing), and
 * those octets must be the message's own (both decoders take only DER).
 * Prints the counts and every finding's seed and mutation; exits 1 on any.
 */
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const total = option("--messages", 100_000);
const seed = option("--seed", Date.now() % 2 ** 31);
const random = new Random(seed);

const files = [FIXTURES, CORPUS].flatMap((dir) => readdirSync(dir).filter((file) => file.endsWith(".der")).map((file) => join(dir, file)));
const trees = files.map((file) => ({ file, tree: parseTree(new Uint8Array(readFileSync(file))) }));
const pool = trees.flatMap(({ tree }) => [tree]);

const counts = {
  bothDecoded: 0, encodedSame: 0, encodeBothRefused: 0, encodedExactly: 0, bothRefused: 0, onlyAsn1jsNotDer: 0, notDerAsGiven: 0, bounded: 0, asn1jsLargeArc: 0, asn1jsEarlyYear: 0, asn1jsTokenizerOnly: 0, asn1jsLimits: 0, asn1jsImplicitAny: 0, findings: 0,
};
const findings: string[] = [];
const losses = { leftOut: 0, initialised: 0, largeInteger: 0, largeArc: 0, unusedBits: 0 };
const started = Date.now();

for (let index = 0; index < total; index++) {
  const { file, tree } = random.pick(trees);
  const mutated = cloneTree(tree);
  const what = mutateTree(random, mutated, pool);
  let bytes = encodeTree(mutated);
  if (random.chance(0.2)) {
    const damaged = mutateBytes(random, bytes);
    bytes = damaged.bytes;
    what.push(damaged.what);
  }
  // Production checks the structure before any parse (src/asn1/der_scan.ts): both decoders only ever see what passes.
  if (!attempt(() => checkDer(bytes, DEFAULT_DER_LIMITS)).ok) {
    counts.bothRefused++;
    continue;
  }
  const theirs = attempt(() => AsnParser.parse(bytes, PKIMessage));
  const ours = attempt(() => decodeDer(bytes, PKIMessage));
  const where = `${file.replace(/^.*\//, "")} #${index} (${what.join(", ") || "unchanged"})`;
  if (theirs.ok && ours.ok) {
    const difference = firstDifference(normaliseDecoded(ours.value), normaliseDecoded(theirs.value), "PKIMessage");
    // The encoders compared on the project's object in every case; its octets against those received only where the decoders agree.
    compareEncoders(ours.value, difference === undefined ? bytes : undefined, where);
    if (difference === undefined) counts.bothDecoded++;
    // asn1js writes an arc beyond 2^53 as "{hex}"; the project's decoder gives its decimal value.
    // asn1js writes an arc beyond 2^53 as "{hex}", or rounds it; the project's decoder gives its exact value.
    else if (/\[large arc\]/.test(difference)) counts.asn1jsLargeArc++;
    // asn1js turns a GeneralizedTime year 0-99 into 1900-1999 (Date.UTC); the project's decoder keeps the year.
    else if (/\[year below 100\]/.test(difference)) counts.asn1jsEarlyYear++;
    else finding(`decoded differently at ${difference}: ${where}`);
  } else if (!theirs.ok && !ours.ok) {
    counts.bothRefused++;
  } else if (theirs.ok) {
    const reencoded = attempt(() => new Uint8Array(AsnSerializer.serialize(theirs.value)));
    const error = ours.ok ? "" : ours.error;
    // asn1js keeps some non-DER as given (a padded INTEGER, an empty OID) and so re-encodes it unchanged: X.690 still refuses it.
    if (/not in its minimal form|has at least one octet|unused bits are not zero/.test(error)) counts.notDerAsGiven++;
    // A bound of the project's decoder, not a DER rule: an INTEGER read as a number is at most 64 octets, a time at most 32.
    else if (/where a number is expected|a time of more than 32 octets/.test(error)) counts.bounded++;
    else if (reencoded.ok && Buffer.compare(Buffer.from(reencoded.value), Buffer.from(bytes)) === 0) finding(`refused DER that asn1js decodes and re-encodes to the same bytes (${error}): ${where}`);
    else counts.onlyAsn1jsNotDer++;
  } else {
    // asn1js tokenizes even what the schema keeps opaque (an ANY's contents,
    // a parameter SEQUENCE) and fails on a time, string or integer in there
    // that it cannot convert. Every time, string and integer the schema
    // declares is validated by the project's decoder as it reads it, so a
    // conversion error asn1js alone raises lies in opaque contents, which are
    // checked where they are parsed.
    if (/Wrong input string for conversion|Offset is outside the bounds|Too big integer/.test(theirs.error)) counts.asn1jsTokenizerOnly++;
    // asn1js's own ceilings on content length and node count, beyond what src/asn1/der_scan.ts already bounds.
    else if (/Maximum ASN.1 (content length|node count|nesting depth) exceeded/.test(theirs.error)) counts.asn1jsLimits++;
    // GeneralName's x400Address is [3] IMPLICIT ANY, which asn1js's schema comparison cannot match.
    else if (/GeneralName ASN1 schema. Wrong values for Choice type/.test(theirs.error) && ours.ok && hasX400Address(ours.value)) counts.asn1jsImplicitAny++;
    else finding(`decoded what asn1js refuses (${theirs.error}): ${where}`);
  }
}

const seconds = (Date.now() - started) / 1000;
console.log(`${total} mutated messages in ${seconds.toFixed(1)} s, seed ${seed}`);
console.log(`  both decoded, equal objects:       ${counts.bothDecoded}`);
console.log(`  encoded by both, the same octets (the received ones where the decoders agree): ${counts.encodedSame}`);
console.log(`  encoding refused by both:          ${counts.encodeBothRefused}`);
console.log(`  encoded exactly here (decodes back to the same object) where AsnSerializer gives other octets or none: ${counts.encodedExactly}`);
console.log(`  encoded by both, the same octets, not those received, where asn1-schema's objects do not keep them:`);
console.log(`    an element left out (a DEFAULT value written out, an optional CHOICE none of whose alternatives it is): ${losses.leftOut}`);
console.log(`    a field absent from the message that its class initialises: ${losses.initialised}`);
console.log(`    an INTEGER read as a number past 2^53: ${losses.largeInteger}`);
console.log(`    an OBJECT IDENTIFIER arc past 2^49: ${losses.largeArc}`);
console.log(`    a BIT STRING's count of unused bits: ${losses.unusedBits}`);
console.log(`  both refused:                      ${counts.bothRefused}`);
console.log(`  refused here, BER that asn1js took: ${counts.onlyAsn1jsNotDer}`);
console.log(`  refused here, not DER though asn1js re-encodes it as given (padded INTEGER, empty OID, unused bits set): ${counts.notDerAsGiven}`);
console.log(`  refused here by a bound (an INTEGER of more than 64 octets read as a number, a time of more than 32): ${counts.bounded}`);
console.log(`  OID arcs past 2^53 (asn1js misreads): ${counts.asn1jsLargeArc}`);
console.log(`  GeneralizedTime years 0-99 (asn1js reads 1900-1999): ${counts.asn1jsEarlyYear}`);
console.log(`  decoded here, asn1js failed inside opaque contents: ${counts.asn1jsTokenizerOnly}`);
console.log(`  decoded here, past asn1js's own size ceilings: ${counts.asn1jsLimits}`);
console.log(`  decoded here, a GeneralName x400Address ([3] IMPLICIT ANY) asn1js cannot match: ${counts.asn1jsImplicitAny}`);
console.log(`  findings:                          ${counts.findings}`);
for (const line of findings.slice(0, 50)) console.log(`  - ${line}`);
process.exit(counts.findings > 0 ? 1 : 0);

/** encodeDer against AsnSerializer on one decoded message: the same octets, or both refuse; and for DER, the received octets. */
function compareEncoders(message: PKIMessage, received: Uint8Array | undefined, where: string): void {
  const theirs = attempt(() => Buffer.from(AsnSerializer.serialize(message)));
  const ours = attempt(() => Buffer.from(encodeDer(message)));
  if (!theirs.ok && !ours.ok) counts.encodeBothRefused++;
  // Where asn1js writes a value from a double (an INTEGER past 2^53, an OID arc past 2^49) or cannot write it, the project's
  // encoder writes it exactly: its octets decode back to the very object encoded.
  else if (ours.ok && (!theirs.ok || !theirs.value.equals(ours.value)) && decodesBackTo(ours.value, message)) counts.encodedExactly++;
  else if (!theirs.ok || !ours.ok) finding(`encoded by one encoder only (${theirs.ok ? "" : `AsnSerializer: ${theirs.error}`}${ours.ok ? "" : `encodeDer: ${ours.error}`}): ${where}`);
  else if (!theirs.value.equals(ours.value)) finding(`encoded differently (${ours.value.length} octets here, ${theirs.value.length} by AsnSerializer): ${where}`);
  else if (received && !ours.value.equals(received)) {
    const difference = treeDifference(parseTree(received), parseTree(new Uint8Array(ours.value)), "");
    const loss = lossOf(difference);
    if (loss) losses[loss]++;
    else {
      const show = (node?: DerNode) => (node ? Buffer.from(encodeTree(node)).toString("hex").slice(0, 60) : "nothing");
      finding(`encoded to other octets than the DER received (at ${difference.path}: ${show(difference.received)} received, ${show(difference.encoded)} encoded): ${where}`);
    }
  }
  else counts.encodedSame++;
}

interface TreeDifference {
  path: string;
  received?: DerNode;
  encoded?: DerNode;
}

/** Whether `encoded` decodes to an object equal to `message`. */
function decodesBackTo(encoded: Buffer, message: PKIMessage): boolean {
  const back = attempt(() => decodeDer(new Uint8Array(encoded), PKIMessage));
  return back.ok && firstDifference(normaliseDecoded(back.value), normaliseDecoded(message), "PKIMessage") === undefined;
}

/** Where two DER trees first differ: the path of child indexes, and the two elements there (one missing when a child is). */
function treeDifference(a: DerNode, b: DerNode, path: string): TreeDifference {
  if (a.tag === b.tag && a.children && b.children) {
    const same = (x: DerNode, y: DerNode) => Buffer.compare(Buffer.from(encodeTree(x)), Buffer.from(encodeTree(y))) === 0;
    // One element of the message that the encoding leaves out, wherever it stood.
    if (a.children.length === b.children.length + 1) {
      for (let index = 0; index < a.children.length; index++) {
        const rest = a.children.filter((_, at) => at !== index);
        if (rest.every((child, at) => same(child, b.children![at]!))) return { path: `${path}/${index}`, received: a.children[index] };
      }
    }
    for (let index = 0; index < Math.max(a.children.length, b.children.length); index++) {
      const [x, y] = [a.children[index], b.children[index]];
      if (!x || !y) return { path: `${path}/${index}`, received: x, encoded: y };
      if (Buffer.compare(Buffer.from(encodeTree(x)), Buffer.from(encodeTree(y))) !== 0) return treeDifference(x, y, `${path}/${index}`);
    }
  }
  return { path, received: a, encoded: b };
}

/**
 * Why a message both decoders took re-encodes to other octets, when it is
 * one of the ways asn1-schema's object model does not keep what was
 * received (both encoders agree on the octets; the decoders on the object):
 */
function lossOf({ received, encoded }: TreeDifference): keyof typeof losses | undefined {
  // an element left out: a value equal to its DEFAULT written out in the message (X.690 §11.5 forbids it; taken as
  // AsnParser takes it: a certificate's explicit v1, an extension's critical FALSE), or an optional CHOICE (a popo)
  // whose element is none of its alternatives, left absent as AsnParser leaves it;
  if (received && !encoded) return "leftOut";
  // a field the message lacks but the class initialises (CertificationRequestInfo.attributes) is written;
  if (encoded && !received) return "initialised";
  if (!received || !encoded) return undefined;
  const contents = (node: DerNode) => Buffer.from(encodeTree(node));
  // an INTEGER read as a number past 2^53 (a decimal string) is written from a double;
  if (received.tag === 0x02 && encoded.tag === 0x02 && contents(received).length > 8) return "largeInteger";
  // an OBJECT IDENTIFIER arc past 2^49 is written as nothing by asn1js;
  if (received.tag === 0x06 && contents(encoded).toString("hex") === "0600") return "largeArc";
  // a BIT STRING read as its octets (AsnBitStringConverter) loses its count of unused bits.
  if (received.tag === 0x03 && encoded.tag === 0x03 && received.content && encoded.content && Buffer.compare(received.content.subarray(1), encoded.content.subarray(1)) === 0) return "unusedBits";
  return undefined;
}

/** Whether any GeneralName in the decoded message is an x400Address. */
function hasX400Address(value: unknown): boolean {
  if (!value || typeof value !== "object") return false;
  if ((value as Record<string, unknown>).x400Address !== undefined) return true;
  return Object.values(value).some(hasX400Address);
}

/** Where two normalised values first differ, or undefined when they are equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const inner = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      if (inner) return inner;
    }
  }
  // An OID whose arc is past 2^53 differs in full, not only in what is shown.
  const large = typeof a === "string" && typeof b === "string" && /(^|\.)\d{16,}(\.|$)/.test(a) ? " [large arc]" : "";
  if (typeof a === "string" && typeof b === "string" && /^00\d\d-/.test(a) && b.slice(4) === a.slice(4) && b.startsWith("19")) return `${path} [year below 100]`;
  return `${path}${large} (${JSON.stringify(a)?.slice(0, 80)} here, ${JSON.stringify(b)?.slice(0, 80)} in asn1js)`;
}

function finding(line: string): void {
  counts.findings++;
  if (findings.length < 200) findings.push(line);
}

function attempt<T>(run: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.slice(0, 120) : String(error) };
  }
}
