/**
 * npm run fuzz [-- --count N] [--seconds S] [--seed X] [--workers W] [--cpu-bound MS] [--findings DIR] [--reasons] [--unmutated]
 *
 * Defaults: 100 000 messages, an hour at most, a seed from the clock, one
 * worker process a core (each runs count/workers messages with seed+i).
 * --reasons tallies the answers by their reason too; --unmutated sends the
 * seeds as they are (fresh identifiers, protected again), to see that each
 * reaches its handler.
 *
 * Structure-aware mutation fuzzing of the engine (fuzz/fuzzer.ts) with the
 * seed corpus of real `openssl cmp` requests. Stops by itself at the count
 * or the time, whichever comes first; exits 1 when anything was found, and
 * writes each finding (DER and a note) to DIR (default fuzz/findings/) to
 * become a regression fixture in test/fixtures/fuzz/.
 */
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runFuzz, type FuzzSummary } from "./fuzzer.js";

interface Args {
  count: number;
  seconds: number;
  seed: number;
  workers: number;
  cpuBoundMs: number;
  findings: string;
  reasons: boolean;
  unmutated: boolean;
}

function parseArgs(argv: string[]): Args {
  // One worker a core: a million messages take about 25 minutes on two.
  const args: Args = { count: 100_000, seconds: 3600, seed: Date.now() % 2 ** 31, workers: availableParallelism(), cpuBoundMs: DEFAULT_CPU_BOUND_MS, findings: join(import.meta.dirname, "findings"), reasons: false, unmutated: false };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === "--reasons" || flag === "--unmutated") {
      args[flag === "--reasons" ? "reasons" : "unmutated"] = true;
      index--;
      continue;
    }
    const number = Number(value);
    switch (flag) {
      case "--count": args.count = number; break;
      case "--seconds": args.seconds = number; break;
      case "--seed": args.seed = number; break;
      case "--workers": args.workers = number; break;
      case "--cpu-bound": args.cpuBoundMs = number; break;
      case "--findings": args.findings = value!; break;
      default: throw new Error(`unknown option ${flag}; options: --count --seconds --seed --workers --cpu-bound --findings --reasons --unmutated`);
    }
  }
  for (const [name, value] of Object.entries(args)) {
    if (typeof value === "number" && !(Number.isFinite(value) && value > 0)) throw new Error(`--${name} must be a positive number`);
  }
  return args;
}

/** The documented worst case per message with the default limits (docs/limits.md). */
export const DEFAULT_CPU_BOUND_MS = 50;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (process.env.JELLYFISH_FUZZ_WORKER) {
    const summary = await runFuzz({ ...args, findingsDir: args.findings, progress: (line) => console.log(`[worker ${args.seed}] ${line}`) });
    process.send!({ ...summary, findings: summary.findings.map(({ message: _m, ...finding }) => finding) });
    return;
  }
  const perWorker = Math.ceil(args.count / args.workers);
  console.log(`fuzzing: ${args.count} messages or ${args.seconds} s, seed ${args.seed}, ${args.workers} worker(s), CPU bound ${args.cpuBoundMs} ms`);
  const summaries = await Promise.all(
    Array.from({ length: args.workers }, (_, worker) => runWorker([
      "--count", String(perWorker), "--seconds", String(args.seconds), "--seed", String(args.seed + worker),
      "--cpu-bound", String(args.cpuBoundMs), "--findings", args.findings,
      ...(args.reasons ? ["--reasons"] : []), ...(args.unmutated ? ["--unmutated"] : []),
    ])),
  );
  const total = merge(summaries);
  printSummary(total, args);
  process.exitCode = total.findings.length > 0 ? 1 : 0;
}

function runWorker(argv: string[]): Promise<FuzzSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, argv, { env: { ...process.env, JELLYFISH_FUZZ_WORKER: "1" }, execArgv: ["--import", "tsx"] });
    let result: FuzzSummary | undefined;
    child.on("message", (message) => (result = message as FuzzSummary));
    child.on("exit", (code) => (result ? resolve(result) : reject(new Error(`fuzz worker exited with ${code} and no summary`))));
  });
}

function merge(summaries: FuzzSummary[]): FuzzSummary {
  const total: FuzzSummary = { messages: 0, skipped: 0, findings: [], seconds: 0, answers: {}, slowest: summaries[0]!.slowest };
  for (const summary of summaries) {
    total.messages += summary.messages;
    total.skipped += summary.skipped;
    total.findings.push(...summary.findings);
    total.seconds = Math.max(total.seconds, summary.seconds);
    for (const [answer, count] of Object.entries(summary.answers)) total.answers[answer] = (total.answers[answer] ?? 0) + count;
    if (summary.slowest.cpuMs > total.slowest.cpuMs) total.slowest = summary.slowest;
  }
  return total;
}

function printSummary(summary: FuzzSummary, args: Args): void {
  console.log(`\n${summary.messages} messages in ${summary.seconds.toFixed(1)} s (${(summary.messages / summary.seconds).toFixed(0)}/s), ${summary.skipped} over the size limit not sent`);
  console.log(`slowest: ${summary.slowest.cpuMs.toFixed(1)} ms CPU (${summary.slowest.seed}: ${summary.slowest.mutations.join("; ") || "unchanged"} -> ${summary.slowest.answer})`);
  console.log("answers:");
  for (const [answer, count] of Object.entries(summary.answers).sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(9)}  ${answer}`);
  console.log(`${summary.findings.length} finding(s)${summary.findings.length > 0 ? `, written to ${args.findings}` : ""}`);
  for (const finding of summary.findings.slice(0, 20)) console.log(`  ${finding.problem} (${finding.seed}: ${finding.mutations.join("; ")})`);
}

await main();
