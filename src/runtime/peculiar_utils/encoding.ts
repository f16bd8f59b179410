import { toUint8Array } from "./index.js";

// "@peculiar/utils/encoding" in the Worker bundle (index.ts says why):
// hex.encode is the one function of it the @peculiar ASN.1 packages call,
// always without options; any option is refused rather than ignored.

export const hex = {
  encode(data: unknown, options: object = {}): string {
    if (Object.keys(options).length > 0) throw new Error("hex.encode options are not in the Worker's @peculiar/utils");
    let text = "";
    for (const byte of toUint8Array(data)) text += byte.toString(16).padStart(2, "0");
    return text;
  },
};
