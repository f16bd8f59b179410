import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { decodeCertificatesPem } from "../../src/asn1/pem.js";
import { decodeRequest } from "../../src/cmp/decode.js";
import type { CmpAnswer } from "../../src/cmp/engine_types.js";
import { allNodes, encodeTree, parseTree, type DerNode } from "../../fuzz/der_tree.js";
import { encodeOid } from "../../fuzz/mutations.js";
import { checkAnswer } from "../../fuzz/oracle.js";
import { Reprotector } from "../../fuzz/reprotect.js";
import { FIXTURES, headerField } from "../../fuzz/seeds.js";
import { makeTarget, material, type Target } from "../../fuzz/target.js";

// The hostile inputs issue 12 reported, each answered with a CMP error that
// names the problem, before the costly work, and with nothing changed.

const tree = (name: string) => parseTree(new Uint8Array(readFileSync(join(FIXTURES, `${name}.der`))));
let target: Target;
const reprotector = new Reprotector(100_000);

beforeEach(async () => {
  target = await makeTarget();
  target.clock.now = decodeRequest(new Uint8Array(readFileSync(join(FIXTURES, "ir-mac-1-ir.der"))))!.message.header.messageTime!;
});

async function send(message: Uint8Array): Promise<{ answer: CmpAnswer; failInfo: string[]; reason: string }> {
  target.store.begin();
  target.warnings.length = 0;
  const answer = await target.handle(message);
  // The fuzzer's oracle: DER, no escaped exception, no systemFailure, nothing changed on failure.
  expect(await checkAnswer(target, { answer })).toBeUndefined();
  expect(await target.store.changedKeys()).toEqual([]);
  return { answer, failInfo: answer.log.failInfo ?? [], reason: answer.log.reason ?? "" };
}

const find = (root: DerNode, tag: number) => allNodes(root).find(({ node }) => node.tag === tag)!;

describe("hostile input (issue 12)", () => {
  it("a length octet changed inside the transactionID: HTTP 400 with a DER error, not an exception from echoing it", async () => {
    const bytes = encodeTree(tree("ir-mac-1-ir"));
    const transactionID = headerField(parseTree(bytes), 4)!.children![0]!.content!;
    const at = Buffer.from(bytes).indexOf(Buffer.from(transactionID)) - 1;
    for (const length of [transactionID.length - 1, transactionID.length + 1, 0x81]) {
      const damaged = bytes.slice();
      damaged[at] = length;
      const { answer, failInfo } = await send(damaged);
      expect(answer.httpStatus).toBe(400);
      expect(failInfo).toEqual(["badDataFormat"]);
    }
  });

  it("a sender name holding a value the schema cannot write back: refused as the request's fault, not systemFailure", async () => {
    const message = tree("cr-sig-1-cr");
    const sender = message.children![0]!.children![1]!;
    // The CN's UTF8String becomes an INTEGER: DER, parsed, but not a DirectoryString.
    const value = allNodes(sender).find(({ node }) => node.tag === 0x0c || node.tag === 0x13)!;
    value.node.tag = 0x02;
    const { failInfo } = await send(await reprotector.protect(message, "signature"));
    expect(failInfo).not.toContain("systemFailure");
    expect(failInfo.length).toBe(1);
  });

  it("an OBJECT IDENTIFIER of 30 000 arcs: badDataFormat, refused by the DER walk before any parse", async () => {
    const message = tree("ir-mac-1-ir");
    find(message.children![1]!, 0x06).node.content = Uint8Array.from([0x2a, ...new Uint8Array(29_999).fill(1)]);
    const { failInfo, reason } = await send(await reprotector.protect(message, "mac"));
    expect(failInfo).toEqual(["badDataFormat"]);
    expect(reason).toBe("the message exceeds a decoding limit: OBJECT IDENTIFIER of 30000 bytes (at most 64)");
  });

  it("40 certificates in extraCerts: badRequest before a single one is parsed", async () => {
    const message = tree("cr-sig-1-cr");
    const [client] = decodeCertificatesPem(material("client.pem"));
    message.children!.push({ tag: 0xa1, children: [{ tag: 0x30, children: Array.from({ length: 40 }, () => parseTree(client!)) }] });
    message.children = message.children!.filter((element, index) => element.tag !== 0xa1 || index === message.children!.length - 1);
    const { failInfo, reason } = await send(await reprotector.protect(message, "signature"));
    expect(failInfo).toEqual(["badRequest"]);
    expect(reason).toBe("extraCerts holds 40 certificates; at most 10 are accepted");
  });

  it("PBM with 100 000 SHA-512 iterations, for anyone who knows a reference: badAlg, before a single round", async () => {
    const message = tree("ir-mac-1-ir");
    const parameters = headerField(message, 1)!.children![0]!.children![1]!;
    parameters.children![1]!.children![0]!.content = encodeOid("2.16.840.1.101.3.4.2.3"); // owf SHA-512
    parameters.children![2]!.content = Uint8Array.of(0x01, 0x86, 0xa0); // iterationCount 100 000
    const { failInfo, reason } = await send(encodeTree(message));
    expect(failInfo).toEqual(["badAlg"]);
    expect(reason).toBe("PBMParameter iterationCount 100000 is above this server's maximum of 3333 with SHA-512");
  });

  it("a body nested 200 deep: badDataFormat naming the limit", async () => {
    const message = tree("ir-mac-1-ir");
    const body = message.children![1]!;
    let inner = body.children![0]!;
    for (let level = 0; level < 200; level++) inner = { tag: 0x30, children: [inner] };
    body.children = [inner];
    const { failInfo, reason } = await send(await reprotector.protect(message, "mac"));
    expect(failInfo).toEqual(["badDataFormat"]);
    expect(reason).toBe("the message exceeds a decoding limit: elements are nested deeper than 32 levels");
  });
});
