import { measureSteps } from "./steps_measure.js";

/**
 * `npx tsx bench/steps.ts`: the cost of each step of a MAC enrollment on its
 * own and the crypto floor of one enrollment (bench/steps_measure.ts), as a
 * Markdown table. `npm run bench` measures the same in its run.
 */
console.log("| step | CPU µs |", "\n| --- | ---: |");
const { cryptoFloorUs } = await measureSteps((line) => console.log(line));
console.log(`\nCrypto floor of one MAC enrollment: ${cryptoFloorUs.toFixed(0)} µs; everything else (DER, checks, store) must fit in the rest of a budget.`);
