import { webcrypto } from "node:crypto";
import { pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

/**
 * `npx tsx scripts/client_cpu.ts [enrollments] [src root]`: the client
 * library's CPU per MAC enrollment (ir, then its certConf) against the
 * engine in the same process, as bench/engine.ts runs it: process.cpuUsage
 * around each enrollment, minus what the engine's own handling of the two
 * messages took (measured around handleCmp). The PBM iterations are
 * OpenSSL's (500), the key a P-256 one from a pool made beforehand.
 * Prints the median and the mean in microseconds. The optional src root
 * runs another checkout's src (e.g. an older commit's, unpacked) for a
 * before/after comparison.
 */
const count = Number(process.argv[2] ?? 300);
const root = resolve(process.argv[3] ?? join(import.meta.dirname, "../src"));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(root, path)).href)) as T;

const { CmpClient } = await load<typeof import("../src/client/index.js")>("client/index.ts");
const { handleCmp } = await load<typeof import("../src/cmp/engine.js")>("cmp/engine.ts");
const { loadConfig } = await load<typeof import("../src/config/load.js")>("config/load.ts");
const { MemoryStore } = await load<typeof import("../src/store/memory.js")>("store/memory.ts");
const { LocalSigner, generateLocalKey } = await load<typeof import("../src/kms/local.js")>("kms/local.ts");
const { makeTestCa } = (await import(pathToFileURL(join(root, "../test/support/engine_server.ts")).href)) as typeof import("../test/support/engine_server.js");

const { ca } = await makeTestCa("P-256", "CN=Bench CA");
const config = loadConfig({ CMP_SECRETS: JSON.stringify({ dev: "s3cret" }) });
const profile = config.profiles.get(config.defaultProfile)!;
const context = { config, ca, store: new MemoryStore(), now: () => new Date(), randomBytes: (length: number) => webcrypto.getRandomValues(new Uint8Array(length)), warn: () => undefined };
let engineMicros = 0;
const client = new CmpClient({
  url: "http://engine.invalid/.well-known/cmp",
  protection: { mac: { reference: "dev", secret: "s3cret", iterations: 500 } },
  fetch: async (_url, init) => {
    const before = process.cpuUsage();
    const answer = await handleCmp(init.body, profile, context as never);
    const used = process.cpuUsage(before);
    engineMicros += used.user + used.system;
    return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
  },
});
const keys = await Promise.all(Array.from({ length: 32 }, async () => LocalSigner.fromPkcs8((await generateLocalKey("P-256")).pkcs8)));
const subject = () => `CN=bench-${Buffer.from(webcrypto.getRandomValues(new Uint8Array(6))).toString("hex")}`;
for (let index = 0; index < 20; index++) await client.ir({ subject: subject(), key: { signer: keys[index % keys.length]! } });

const samples: number[] = [];
for (let index = 0; index < count; index++) {
  engineMicros = 0;
  const before = process.cpuUsage();
  await client.ir({ subject: subject(), key: { signer: keys[index % keys.length]! } });
  const used = process.cpuUsage(before);
  samples.push(used.user + used.system - engineMicros);
}
samples.sort((a, b) => a - b);
const mean = samples.reduce((sum, micros) => sum + micros, 0) / samples.length;
console.log(JSON.stringify({ enrollments: count, clientMicrosMedian: samples[Math.floor(samples.length / 2)], clientMicrosMean: Math.round(mean) }));
