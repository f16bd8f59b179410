import { revocationStatusBenchmark } from "./revocation_status.js";

/**
 * `node --import tsx bench/revocation_status_main.ts <revoked>`: the CRL
 * measurements in a process of their own (a CRL of 100 000 entries leaves a
 * large heap behind), the result as JSON on stdout.
 */
const result = await revocationStatusBenchmark(Number(process.argv[2] ?? 100_000));
process.stdout.write(JSON.stringify(result));
