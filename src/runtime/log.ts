import { boundedLine } from "./bounded_line.js";

/** A sink for one JSON-serialisable line: the per-request log, warnings, startup errors. */
export type Log = (line: object) => void;

/**
 * One JSON object per console line, stamped with the time: what Workers
 * Logs and CloudWatch Logs both index as structured fields. Every line the
 * runtimes write passes here, so this is where its size is bounded.
 */
export const consoleLog: Log = (line) => {
  console.log(boundedLine({ time: new Date().toISOString(), ...line }));
};
