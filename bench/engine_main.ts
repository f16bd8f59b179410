import { engineMicrobenchmark } from "./engine.js";

/**
 * `node --import tsx bench/engine_main.ts <transactions>`: the engine
 * microbenchmark in a process of its own, its result as JSON on stdout.
 * bench/run.ts starts it after the load targets, whose garbage, sockets and
 * caches would otherwise count against the engine's messages (CPU time is
 * per process, all threads).
 */
const result = await engineMicrobenchmark(Number(process.argv[2] ?? 150));
process.stdout.write(JSON.stringify(result));
