import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseTree, type DerNode } from "./der_tree.js";

/**
 * The seed corpus: every request `openssl cmp` sent in the captured
 * exchanges of test/fixtures/openssl (odd steps go client to server), of
 * every body type and protection the fixtures hold: ir, cr, kur, p10cr,
 * rr, certConf, pollReq, genm and error; PBM with HMAC-SHA1, HMAC-SHA256
 * and SHA-512, and ECDSA signatures. fuzz/corpus adds PBMAC1.
 */
export const FIXTURES = join(import.meta.dirname, "../test/fixtures/openssl");

export interface Seed {
  name: string;
  /** The exchange it belongs to, e.g. "ir-mac". */
  scenario: string;
  step: number;
  bodyType: string;
  tree: DerNode;
  protection: "mac" | "signature" | "none";
  /** The seed's messageTime: the engine's clock while this seed is fuzzed, so its certificates are valid. */
  time: Date;
  /** For a continuation (certConf, pollReq): the request that opens its transaction. */
  opening?: Seed;
}

/** PasswordBasedMac and PBMAC1 (RFC 9481 §6.1), as OID contents. */
const MAC_OIDS = [Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf6, 0x7d, 0x07, 0x42, 0x0d), Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0e)];

/** Seeds openssl cmp 3.0 cannot make (PBMAC1), made by fuzz/make_corpus.ts with the project's client. */
export const CORPUS = join(import.meta.dirname, "corpus");

export function loadSeeds(): Seed[] {
  const files = [FIXTURES, CORPUS].flatMap((dir) => readdirSync(dir).filter((file) => /^.+-\d+-\w+\.der$/.test(file)).sort().map((file) => join(dir, file)));
  const seeds: Seed[] = [];
  for (const path of files) {
    const file = basename(path);
    const [, scenario, stepText, bodyType] = /^(.+)-(\d+)-(\w+)\.der$/.exec(file)!;
    const step = Number(stepText);
    if (step % 2 === 0) continue;
    const tree = parseTree(new Uint8Array(readFileSync(path)));
    seeds.push({ name: file.replace(/\.der$/, ""), scenario: scenario!, step, bodyType: bodyType!, tree, protection: protectionOf(tree), time: messageTime(tree) });
  }
  for (const seed of seeds) {
    if (seed.bodyType === "certConf" || seed.bodyType === "pollReq") seed.opening = seeds.find((other) => other.scenario === seed.scenario && other.step === 1);
  }
  // A continuation whose opening cannot be replayed alone (a certConf after polling) is fuzzed as a first message.
  return seeds;
}

/** Header field [n] of a message tree (PKIHeader is the first element). */
export function headerField(message: DerNode, tag: number): DerNode | undefined {
  // After pvno, sender and recipient (GeneralNames, which may carry the same tags).
  return message.children?.[0]?.children?.slice(3).find((field) => field.tag === (0xa0 | tag));
}

function protectionOf(tree: DerNode): Seed["protection"] {
  const alg = headerField(tree, 1)?.children?.[0]?.children?.[0];
  if (!alg) return "none";
  const oid = alg.content ?? new Uint8Array();
  return MAC_OIDS.some((mac) => mac.length === oid.length && mac.every((byte, index) => byte === oid[index])) ? "mac" : "signature";
}

function messageTime(tree: DerNode): Date {
  const text = new TextDecoder().decode(headerField(tree, 0)?.children?.[0]?.content ?? new Uint8Array());
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!)) : new Date();
}
