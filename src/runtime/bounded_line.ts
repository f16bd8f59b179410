/**
 * One log line as JSON text of bounded size, whatever went into it. Log
 * fields carry what a request sent (senderKID, subject, OIDs, reasons that
 * quote them), so a hostile request could write a line as long as its body
 * (a 60 KB line was seen, issue 12) and fill the log. Every string is cut to
 * a few hundred characters with a marker saying how much was left out,
 * nesting and lists are bounded, and a line still too long keeps its first
 * fields and says how many it dropped. Cuts are marked, never silent.
 */
export const MAX_STRING_CHARS = 512;
/** A stack trace is worth more of the line than any field a client controls. */
export const MAX_STACK_CHARS = 2048;
export const MAX_LINE_CHARS = 4096;
const MAX_DEPTH = 4;
const MAX_ENTRIES = 32;

export function boundedLine(line: object): string {
  const bounded = boundObject(line, 0);
  const text = JSON.stringify(bounded);
  if (text.length <= MAX_LINE_CHARS) return text;
  // Keep whole fields in order while they fit, leaving room for the count of those dropped.
  const kept: Record<string, unknown> = {};
  let length = 2;
  let dropped = 0;
  for (const [key, value] of Object.entries(bounded)) {
    const size = JSON.stringify(key).length + JSON.stringify(value).length + 2;
    if (length + size > MAX_LINE_CHARS - 40) dropped++;
    else {
      kept[key] = value;
      length += size;
    }
  }
  kept.droppedFields = dropped;
  return JSON.stringify(kept);
}

function bound(value: unknown, depth: number, key: string): unknown {
  switch (typeof value) {
    case "string":
      return cut(value, key === "stack" ? MAX_STACK_CHARS : MAX_STRING_CHARS);
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return cut(value.toString(), MAX_STRING_CHARS);
    case "object":
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (value instanceof Error) return cut(`${value.name}: ${value.message}`, MAX_STRING_CHARS);
      if (depth >= MAX_DEPTH) return "[nested too deep]";
      if (Array.isArray(value)) {
        const items = value.slice(0, MAX_ENTRIES).map((item) => bound(item, depth + 1, ""));
        return value.length > MAX_ENTRIES ? [...items, `…[+${value.length - MAX_ENTRIES} items]`] : items;
      }
      return boundObject(value, depth + 1);
    default:
      return undefined; // undefined, functions, symbols: JSON leaves them out too
  }
}

function boundObject(value: object, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value);
  for (const [key, field] of entries.slice(0, MAX_ENTRIES)) out[cut(key, 64)] = bound(field, depth, key);
  if (entries.length > MAX_ENTRIES) out["…"] = `+${entries.length - MAX_ENTRIES} fields`;
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} chars]`;
}
