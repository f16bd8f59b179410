import { bytesEqual } from "./bytes.js";
import { DecodeError } from "./decode_error.js";
import { serializeDer } from "./serialize_der.js";

/**
 * The DER of a value decoded from a request, encoded again. The schema
 * library accepts on input some values it cannot write back (an attribute
 * value of a type its CHOICE does not list, say), so this can fail for
 * received data: then it is the request's fault (DecodeError, answered
 * badDataFormat), never an internal error.
 */
export function reencode(value: object, what: string): Uint8Array {
  try {
    return serializeDer(value);
  } catch (cause) {
    throw new DecodeError(`${what} cannot be encoded as DER again`, { cause });
  }
}

/** Whether two decoded values have the same DER; a value that cannot be encoded again equals nothing. */
export function sameEncoding(a: object, b: object): boolean {
  try {
    return bytesEqual(serializeDer(a), serializeDer(b));
  } catch {
    return false;
  }
}
