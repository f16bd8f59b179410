import { engineMicrobenchmark } from "./bench/engine.js";
const r = await engineMicrobenchmark(Number(process.argv[2] ?? 150));
for (const [k, v] of Object.entries(r.perMessage)) console.log(k.padEnd(16), Math.round(v.microseconds), v.count);
console.log(r.failures);
