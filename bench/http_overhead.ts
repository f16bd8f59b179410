import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { cpuMsOf, outputTail, ROOT } from "./targets.js";

/**
 * `npx tsx bench/http_overhead.ts [seconds]`: server CPU per request of
 * Jellyfish's HTTP layer on Node with an engine that costs nothing, against
 * node:http alone (bench/http_overhead_server.ts), under 8 concurrent
 * keep-alive POSTs of 300 bytes, as fast as they go or paced (--rate). The difference is what Hono,
 * @hono/node-server and src/http add to each CMP message; two such
 * requests make a MAC enrollment.
 */
const seconds = Number(process.argv[2] ?? 5);
// --rate <requests/s>: paced, as under the real load (about 2 × the MAC enrollments/s), where each request
// meets cold caches and its own wake-ups and system calls; unpaced, requests share them and cost less.
const rateAt = process.argv.indexOf("--rate");
const rate = rateAt > 0 ? Number(process.argv[rateAt + 1]) : undefined;
// --profile <dir>: the servers run under node --cpu-prof, their profiles (start-up included) left in <dir>.
const profileAt = process.argv.indexOf("--profile");
const profileFlags = profileAt > 0 ? ["--cpu-prof", "--cpu-prof-dir", process.argv[profileAt + 1]!] : [];
const body = new Uint8Array(300).fill(0x30);

type Mode = "raw" | "adapter" | "hono" | "app" | "app-headers";
async function measure(mode: Mode): Promise<{ requests: number; cpuUsPerRequest: number }> {
  const child = spawn(process.execPath, [...profileFlags, "--import", "tsx", join(ROOT, "bench/http_overhead_server.ts"), mode], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const output = outputTail(child.stdout, child.stderr);
  try {
    for (let waited = 0; !/URL (\S+)/.test(output()); waited += 50) {
      if (waited > 30_000) throw new Error(`${mode} server did not start: ${output()}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const url = new URL(/URL (\S+)/.exec(output())![1]!);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const post = () =>
      new Promise<void>((done, failed) => {
        const outgoing = request(url, { method: "POST", agent, headers: { "content-type": "application/pkixcmp", "content-length": body.byteLength } }, (response) => {
          response.on("data", () => undefined);
          response.on("end", () => (response.statusCode === 200 ? done() : failed(new Error(`status ${response.statusCode}`))));
        });
        outgoing.on("error", failed);
        outgoing.end(body);
      });
    const run = async (ms: number) => {
      let count = 0;
      const deadline = performance.now() + ms;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < deadline) {
          const begin = performance.now();
          await post();
          count++;
          if (rate) await new Promise((done) => setTimeout(done, Math.max(0, (8 * 1000) / rate - (performance.now() - begin))));
        }
      }));
      return count;
    };
    await run(2000); // Warm-up.
    const before = cpuMsOf(child.pid!);
    const requests = await run(seconds * 1000);
    const cpuMs = cpuMsOf(child.pid!) - before;
    agent.destroy();
    return { requests, cpuUsPerRequest: (cpuMs * 1000) / requests };
  } finally {
    child.kill("SIGTERM");
  }
}

// Each mode twice, interleaved, so that a neighbour's load on a shared machine falls on all of them alike.
const modes: Mode[] = ["raw", "adapter", "hono", "app", "app-headers"];
const results = new Map<Mode, number[]>(modes.map((mode) => [mode, []]));
for (let round = 0; round < 2; round++) for (const mode of modes) results.get(mode)!.push((await measure(mode)).cpuUsPerRequest);
const best = (mode: Mode) => Math.min(...results.get(mode)!);
const label = { raw: "node:http alone", adapter: "+ @hono/node-server", hono: "+ a bare Hono route", app: "Jellyfish's HTTP layer (no engine)", "app-headers": "the same, Content-Type via fetch Headers" };
for (const mode of modes) console.log(`${label[mode].padEnd(42)} ${best(mode).toFixed(0).padStart(4)} µs server CPU per request (best of ${results.get(mode)!.map((us) => us.toFixed(0)).join(", ")})`);
console.log(`added to node:http per request: ${(best("app") - best("raw")).toFixed(0)} µs; per MAC enrollment (two requests): ${(2 * (best("app") - best("raw"))).toFixed(0)} µs`);
