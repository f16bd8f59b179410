import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { decodeCertificatesPem } from "../src/asn1/pem.js";
import { decodeRequest } from "../src/cmp/decode.js";
import type { CmpAnswer } from "../src/cmp/engine_types.js";
import { allNodes, cloneTree, encodedSize, encodeTree as encode, parseTree, type DerNode } from "./der_tree.js";
import { mutateBytes, mutateTree } from "./mutations.js";
import { checkAnswer } from "./oracle.js";
import { Random } from "./random.js";
import { Reprotector } from "./reprotect.js";
import { headerField, loadSeeds, type Seed } from "./seeds.js";
import { makeTarget, material, type Target } from "./target.js";

export interface FuzzOptions {
  /** Stop after this many messages... */
  count: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds: number;
  /** The run's seed: the same seed, count and code send the same messages. */
  seed: number;
  /** A message whose CPU stays above this (four tries, 200 ms apart) is a finding; the documented bound (docs/limits.md). */
  cpuBoundMs: number;
  /** Where findings are written (DER and a JSON note); none: not written. */
  findingsDir?: string;
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Tally answers by their reason too, not only by type and failInfo. */
  reasons?: boolean;
  /** Send the seeds unmutated (fresh identifiers, protected again): do they reach their handlers? */
  unmutated?: boolean;
}

export interface Finding {
  problem: string;
  seed: string;
  /** The engine's clock when it was found (the seed's messageTime). */
  time: string;
  profile: string;
  mutations: string[];
  message: Uint8Array;
}

export interface FuzzSummary {
  messages: number;
  /** Messages over maxRequestBytes: HTTP answers 413 before the engine sees them. */
  skipped: number;
  findings: Finding[];
  seconds: number;
  /** The answers by what they were: "ip", "error badMessageCheck", ... (how deep the mutations got). */
  answers: Record<string, number>;
  slowest: { cpuMs: number; seed: string; mutations: string[]; answer: string };
}

/** Profiles by scenario: the polling exchanges need requests held for approval. */
function profileOf(seed: Seed): string {
  return seed.scenario === "ir-polling" || seed.scenario === "ir-client-error" ? "approval" : "default";
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const target = await makeTarget();
  const limits = target.config.limits;
  const reprotector = new Reprotector(limits.macMaxIterations);
  const seeds = loadSeeds();
  const pool = piecesOf(seeds);
  const random = new Random(options.seed);
  const summary: FuzzSummary = { messages: 0, skipped: 0, findings: [], seconds: 0, answers: {}, slowest: { cpuMs: 0, seed: "", mutations: [], answer: "" } };
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  for (let index = 0; index < options.count && elapsed() < options.seconds; index++) {
    // Often: an rr that revoked the client's certificate would stop cr, kur and rr after it.
    if (index % 50 === 0) target.reset();
    if (index % 10_000 === 0 && index > 0) options.progress?.(`${index} messages, ${summary.findings.length} findings, ${(index / elapsed()).toFixed(0)}/s`);
    const seed = random.pick(seeds);
    const profile = profileOf(seed);
    target.clock.now = seed.time;
    const message = cloneTree(seed.tree);
    refreshIds(message, random);
    if (seed.opening && random.chance(0.7)) await continueTransaction(target, reprotector, seed, message, random, profile);

    const region = options.unmutated ? 0.99 : random.next();
    let mutations: string[] = [];
    if (region < 0.35) mutations = mutateTree(random, message.children![0]!, pool).map((m) => `header: ${m}`);
    else if (region < 0.85) mutations = mutateTree(random, message.children![1]!, pool).map((m) => `body: ${m}`);
    else if (region < 0.97) mutations = mutateTree(random, message, pool).map((m) => `message: ${m}`);
    // Repeats of repeats can grow without end; HTTP would refuse them unread anyway.
    if (encodedSize(message) > 2 * limits.maxRequestBytes) {
      summary.skipped++;
      continue;
    }
    let bytes = region < 0.85 || region >= 0.97 ? await reprotector.protect(message, seed.protection) : encode(message);
    if (!options.unmutated && random.chance(0.1)) {
      const damaged = mutateBytes(random, bytes);
      bytes = damaged.bytes;
      mutations.push(damaged.what);
    }
    if (bytes.length > limits.maxRequestBytes) {
      summary.skipped++;
      continue;
    }

    summary.messages++;
    const run = () => send(target, bytes, profile);
    let outcome = await run();
    let problem = await checkAnswer(target, outcome);
    let cpuMs = outcome.cpuMs;
    if (!problem && cpuMs > options.cpuBoundMs) {
      // A pause of the machine (a major GC, a busy neighbour on a shared VM) is not the message's cost: it must stay slow, a moment later.
      for (let retry = 0; retry < 3 && cpuMs > options.cpuBoundMs; retry++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        cpuMs = Math.min(cpuMs, (await run()).cpuMs);
      }
      if (cpuMs > options.cpuBoundMs) problem = `took ${cpuMs.toFixed(1)} ms of CPU, above the bound of ${options.cpuBoundMs} ms`;
      outcome = { ...outcome, cpuMs };
    }
    // The slowest message is reported at its least of three readings, as a bound is checked: one reading may be a pause of the machine.
    if (!problem && cpuMs > summary.slowest.cpuMs && cpuMs > WALL_SHORT_MS) {
      for (let retry = 0; retry < 2; retry++) cpuMs = Math.min(cpuMs, (await run()).cpuMs);
    }
    const answer = describeAnswer(outcome.answer, options.reasons);
    summary.answers[answer] = (summary.answers[answer] ?? 0) + 1;
    if (cpuMs > summary.slowest.cpuMs) summary.slowest = { cpuMs, seed: seed.name, mutations, answer };
    if (problem) {
      const finding = { problem, seed: seed.name, time: seed.time.toISOString(), profile, mutations, message: bytes };
      summary.findings.push(finding);
      options.progress?.(`finding: ${problem} (${seed.name}: ${mutations.join("; ")})`);
      if (options.findingsDir) saveFinding(options.findingsDir, finding);
    }
  }
  summary.seconds = elapsed();
  return summary;
}

async function send(target: Target, bytes: Uint8Array, profile: string): Promise<{ answer?: CmpAnswer; thrown?: unknown; cpuMs: number }> {
  target.store.begin();
  target.warnings.length = 0;
  const started = performance.now();
  const before = process.cpuUsage();
  try {
    const answer = await target.handle(bytes, profile);
    return { answer, cpuMs: cpuSince(before, started) };
  } catch (thrown) {
    return { thrown, cpuMs: cpuSince(before, started) };
  }
}

/**
 * The CPU the message cost the process (all its threads: WebCrypto works on
 * libuv's). Reading it is a system call that costs more than most messages
 * here, so below WALL_SHORT_MS of wall time the wall time stands in for it:
 * it is the larger of the two unless threads ran in parallel, and far below
 * any bound either way.
 */
function cpuSince(before: NodeJS.CpuUsage, started: number): number {
  const wall = performance.now() - started;
  if (wall < WALL_SHORT_MS) return wall;
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const WALL_SHORT_MS = 2;

function describeAnswer(answer: CmpAnswer | undefined, reasons = false): string {
  if (!answer) return "threw";
  const kind = [answer.log.responseType ?? `HTTP ${answer.httpStatus}`, ...(answer.log.failInfo ?? [])].join(" ");
  // With reasons, numbers and hex are folded so that like refusals count together.
  return reasons ? `${kind}: ${(answer.log.reason ?? "").replace(/[0-9a-f]{8,}/g, "#").replace(/\d+/g, "N").slice(0, 70)}` : kind;
}

/**
 * Open the transaction a certConf or pollReq continues: send its opening
 * request unchanged (with fresh identifiers) and make the continuation
 * answer it: same transactionID, recipNonce = the answer's senderNonce, and
 * for a certConf the hash of the certificate issued.
 */
async function continueTransaction(target: Target, reprotector: Reprotector, seed: Seed, message: DerNode, random: Random, profile: string): Promise<void> {
  const opening = cloneTree(seed.opening!.tree);
  refreshIds(opening, random);
  const answer = await target.handle(await reprotector.protect(opening, seed.opening!.protection), profile);
  const decoded = decodeRequest(answer.body);
  if (!decoded || decoded.type === "error") return;
  setOctets(message, 4, octetsOf(opening, 4));
  setOctets(message, 6, new Uint8Array(decoded.message.header.senderNonce!));
  const body = decoded.message.body;
  const certificate = (body.ip ?? body.cp ?? body.kup)?.response[0]?.certifiedKeyPair?.certOrEncCert.certificate;
  const certHash = message.children?.[1]?.children?.[0]?.children?.[0]?.children?.[0];
  if (certificate && seed.bodyType === "certConf" && certHash?.tag === 0x04) {
    certHash.content = new Uint8Array(createHash("sha256").update(new Uint8Array(certificate)).digest());
  }
}

/** A new transactionID and senderNonce, so that accepted messages do not collide with earlier ones. */
export function refreshIds(message: DerNode, random: Random): void {
  setOctets(message, 4, random.bytes(16));
  setOctets(message, 5, random.bytes(16));
}

function octetsOf(message: DerNode, tag: number): Uint8Array | undefined {
  return headerField(message, tag)?.children?.[0]?.content;
}

function setOctets(message: DerNode, tag: number, value: Uint8Array | undefined): void {
  const octets = headerField(message, tag)?.children?.[0];
  if (octets && value) octets.content = value;
}

/** Every element of every seed, and the fixtures' certificates: what insertions and replacements splice in. */
function piecesOf(seeds: readonly Seed[]): DerNode[] {
  const pieces: DerNode[] = [];
  for (const seed of seeds) for (const { node, parent } of allNodes(seed.tree)) if (parent) pieces.push(node);
  for (const name of ["ca.pem", "client.pem", "device.pem", "other-ca.pem", "cmp-server.pem"]) {
    for (const der of decodeCertificatesPem(material(name))) pieces.push(parseTree(der));
  }
  return pieces;
}

function saveFinding(dir: string, finding: Finding): void {
  mkdirSync(dir, { recursive: true });
  const name = createHash("sha256").update(finding.message).digest("hex").slice(0, 16);
  writeFileSync(join(dir, `${name}.der`), finding.message);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ problem: finding.problem, seed: finding.seed, time: finding.time, profile: finding.profile, mutations: finding.mutations }, null, 2)}\n`);
}
