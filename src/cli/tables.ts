/**
 * Plain-text layout for people: aligned columns and "label  value" records.
 * Everything the server sends passes through `printable` first, because a
 * subject DN or an error reason is data from the network, and control
 * characters in it must not reach the operator's terminal as commands.
 */

const GAP = "  ";

/** Shows C0 and C1 control characters (and DEL) as \xNN instead of writing them. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Width in code points, so that a non-ASCII DN does not push its row out of line. */
function width(text: string): number {
  return [...text].length;
}

function padEnd(text: string, to: number): string {
  return text + " ".repeat(Math.max(0, to - width(text)));
}

/**
 * Columns separated by two spaces, left-aligned, with the header as the first
 * line. The last column is not padded, so lines carry no trailing blanks.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [headers, ...rows].map((row) => headers.map((_, i) => printable(row[i] ?? "")));
  const widths = headers.map((_, i) => Math.max(...lines.map((line) => width(line[i]!))));
  return lines
    .map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : padEnd(cell, widths[i]!))).join(GAP).trimEnd())
    .join("\n")
    .concat("\n");
}

/** A value of a record: absent fields are left out, lists take one line per item. */
export type RecordValue = string | number | boolean | readonly string[] | undefined;

/**
 * One object as "label  value" lines with the labels aligned. A list shows
 * its first item beside the label and the rest below it; an empty list shows
 * "-" so that the label does not look like a missing value.
 */
export function formatRecord(fields: readonly (readonly [string, RecordValue])[]): string {
  const present = fields.filter(([, value]) => value !== undefined);
  const labelWidth = Math.max(0, ...present.map(([label]) => width(label)));
  const lines: string[] = [];
  for (const [label, value] of present) {
    const items = Array.isArray(value) ? (value.length > 0 ? value : ["-"]) : [String(value)];
    items.forEach((item, i) => {
      const head = i === 0 ? padEnd(label, labelWidth) : " ".repeat(labelWidth);
      lines.push(`${head}${GAP}${printable(item)}`.trimEnd());
    });
  }
  return lines.join("\n").concat(lines.length > 0 ? "\n" : "");
}
