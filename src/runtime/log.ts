/** A sink for one JSON-serialisable line: the per-request log, warnings, startup errors. */
export type Log = (line: object) => void;

/**
 * One JSON object per console line, stamped with the time: what Workers
 * Logs and CloudWatch Logs both index as structured fields.
 */
export const consoleLog: Log = (line) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...line }));
};
