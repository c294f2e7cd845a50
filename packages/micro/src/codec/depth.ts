/**
 * How deeply JSON may nest, and a check of it that cannot itself overflow the stack.
 *
 * V8's JSON.parse is iterative and takes any depth, but much of what then runs on the value
 * recurses: JSON.stringify throws RangeError at about 5,000 nested objects on Node 20, and
 * validators and log serializers walk values the same way. So the depth is checked on the bytes,
 * before parsing, in one loop with a counter.
 */

/**
 * 64 levels. The contracts nest three at most (`{"orders":[{…}]}`) and `/rpc` wraps a request in
 * one more, so 64 leaves room for any contract to come while staying two orders of magnitude below
 * the depth where recursive code fails. It is also the default of .NET's System.Text.Json
 * (`MaxDepth`), a limit that real APIs have long lived with.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text in `bytes` (UTF-8) opens more than `maxDepth` arrays or objects inside
 * one another; brackets inside strings do not count. Validity is the parser's business: on valid
 * JSON the answer is exact, on invalid JSON it only decides which of two 400s is given. Reading
 * bytes is safe because UTF-8 uses no byte below 0x80 inside a multi-byte character.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  // Too short to hold maxDepth + 1 opening brackets: the common small body costs nothing.
  if (bytes.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
