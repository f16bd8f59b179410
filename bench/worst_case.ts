import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeCertificatesPem } from "../src/asn1/pem.js";
import { allNodes, cloneTree, encodeTree, parseTree, type DerNode } from "../fuzz/der_tree.js";
import { encodeOid } from "../fuzz/mutations.js";
import { Random } from "../fuzz/random.js";
import { refreshIds } from "../fuzz/fuzzer.js";
import { Reprotector } from "../fuzz/reprotect.js";
import { FIXTURES, headerField } from "../fuzz/seeds.js";
import { makeTarget, material } from "../fuzz/target.js";
import { decodeRequest } from "../src/cmp/decode.js";

/**
 * `npx tsx bench/worst_case.ts`: the CPU one request can cost the engine
 * with the default limits (docs/limits.md), for the most expensive message
 * each limit lets through, beside an ordinary enrollment measured in the
 * same run. Each row is CPU milliseconds per message (median and worst of
 * the runs), the engine called directly, a memory store.
 */

const RUNS = 30;
const tree = (name: string) => parseTree(new Uint8Array(readFileSync(join(FIXTURES, `${name}.der`))));
const random = new Random(1);
const target = await makeTarget();
const limits = target.config.limits;
const reprotector = new Reprotector(limits.macMaxIterations);
target.clock.now = decodeRequest(encodeTree(tree("ir-mac-1-ir")))!.message.header.messageTime!;

/** A copy with a fresh transactionID and senderNonce: every run is a new transaction. */
function fresh(message: DerNode): DerNode {
  const copy = cloneTree(message);
  refreshIds(copy, random);
  return copy;
}

const nameValue = (text: string): DerNode => ({ tag: 0x31, children: [{ tag: 0x30, children: [{ tag: 0x06, content: encodeOid("2.5.4.3") }, { tag: 0x0c, content: new TextEncoder().encode(text) }] }] });

const cases: Array<[string, () => Promise<Uint8Array>, string?]> = [
  ["ordinary ir, PBM 500 rounds (reference)", () => reprotector.protect(fresh(tree("ir-mac-1-ir")), "mac")],
  ["ordinary cr, ECDSA signature (reference)", () => reprotector.protect(fresh(tree("cr-sig-1-cr")), "signature")],
  ["header near its element limit (a sender of 55 RDNs, 245 elements), before authentication", async () => {
    const message = fresh(tree("ir-mac-1-ir"));
    const sender = message.children![0]!.children![1]!.children![0]!;
    sender.children = Array.from({ length: 55 }, (_, index) => nameValue(`rdn ${index}`));
    return encodeTree(message);
  }],
  ["PBM at macMaxIterations with SHA-256 (10 000), wrong secret", async () => pbm("2.16.840.1.101.3.4.2.1", limits.macMaxIterations)],
  ["PBM at the SHA-512 maximum (3 333), wrong secret", async () => pbm("2.16.840.1.101.3.4.2.3", Math.floor(limits.macMaxIterations / 3))],
  ["extraCerts at their limits: 10 certificates naming the CA as issuer, none signed by it", async () => junkChain()],
  ["body near derMaxElements after a valid MAC (240 RDNs, 1 000 elements, in the template subject)", async () => {
    const message = fresh(tree("ir-mac-1-ir"));
    const subject = allNodes(message.children![1]!).find(({ node }) => node.tag === 0x31)!.parent!;
    subject.children = Array.from({ length: 240 }, (_, index) => nameValue(`n${index}`));
    return reprotector.protect(message, "mac");
  }],
  ["body of OBJECT IDENTIFIERs of the longest allowed (64 bytes) after a valid MAC", async () => {
    const message = fresh(tree("ir-mac-1-ir"));
    const oids = Array.from({ length: 800 }, () => ({ tag: 0x06, content: Uint8Array.from([0x2a, ...new Uint8Array(62).fill(0x81), 0x01]) }));
    message.children![1]!.children![0]!.children!.push({ tag: 0x30, children: oids });
    return reprotector.protect(message, "mac");
  }],
];

function pbm(owf: string, iterations: number): Uint8Array {
  const message = fresh(tree("ir-mac-1-ir"));
  const parameters = headerField(message, 1)!.children![0]!.children![1]!;
  parameters.children![1]!.children![0]!.content = encodeOid(owf);
  const count: number[] = [];
  for (let rest = iterations; rest > 0; rest = Math.floor(rest / 256)) count.unshift(rest & 0xff);
  if (count[0]! & 0x80) count.unshift(0);
  parameters.children![2]!.content = Uint8Array.from(count);
  return encodeTree(message);
}

function junkChain(): Uint8Array {
  const message = fresh(tree("cr-sig-1-cr"));
  const [client] = decodeCertificatesPem(material("client.pem"));
  // Copies of the client's certificate with a serial and signature of their own: the
  // issuer's name is the CA's, each must be parsed and checked against the anchor.
  const junk = Array.from({ length: 10 }, () => {
    const certificate = parseTree(client!);
    const tbs = certificate.children![0]!;
    tbs.children![1]!.content = random.bytes(8).map((byte, index) => (index === 0 ? byte & 0x7f : byte));
    certificate.children![2]!.content = Uint8Array.from([0, ...random.bytes(70)]);
    return certificate;
  });
  message.children = [...message.children!.filter((element) => element.tag !== 0xa1), { tag: 0xa1, children: [{ tag: 0x30, children: junk }] }];
  return encodeTree(message);
}

console.log(`| message | median CPU ms | worst CPU ms | answer |\n| --- | ---: | ---: | --- |`);
for (const [name, make] of cases) {
  const costs: number[] = [];
  let answer = "";
  for (let run = 0; run < RUNS + 5; run++) {
    target.reset();
    const message = await make();
    const before = process.cpuUsage();
    const result = await target.handle(message);
    const used = process.cpuUsage(before);
    if (run >= 5) costs.push((used.user + used.system) / 1000);
    answer = [result.log.responseType, ...(result.log.failInfo ?? [])].join(" ");
  }
  costs.sort((a, b) => a - b);
  console.log(`| ${name} | ${costs[Math.floor(costs.length / 2)]!.toFixed(2)} | ${costs[costs.length - 1]!.toFixed(2)} | ${answer} |`);
}
