/**
 * Codecs turn request and response bodies into bytes. JSON is the only one for now: it measured
 * as fast as msgpack for the small bodies these services send (docs/architecture.md, "Measured,
 * to choose with").
 * Decoding refuses JSON nested deeper than MAX_JSON_DEPTH, so a caller cannot hand a service a
 * value that overflows the stack of whatever walks it next.
 */
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./depth.js";

export { MAX_JSON_DEPTH, nestsDeeperThan } from "./depth.js";

export interface Codec {
  readonly contentType: string;
  /** Throws `CodecError` when `value` cannot be encoded (a BigInt, a cycle, too deep to walk). */
  encode(value: unknown): Buffer;
  /** Throws `CodecError` when `bytes` is not a valid encoding, `NestingTooDeepError` when it nests too deeply. */
  decode(bytes: Uint8Array): unknown;
}

export class CodecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CodecError";
  }
}

/** The encoding is valid but nests deeper than the codec takes. */
export class NestingTooDeepError extends CodecError {
  constructor(readonly maxDepth: number) {
    super(`body nests deeper than ${maxDepth} levels`);
    this.name = "NestingTooDeepError";
  }
}

export const jsonCodec: Codec = {
  contentType: "application/json",
  encode(value) {
    try {
      return Buffer.from(JSON.stringify(value ?? null));
    } catch (error) {
      throw new CodecError("value cannot be encoded as JSON", { cause: error });
    }
  },
  decode(bytes) {
    if (bytes.length === 0) return undefined;
    if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) throw new NestingTooDeepError(MAX_JSON_DEPTH);
    try {
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    } catch (error) {
      throw new CodecError("body is not valid JSON", { cause: error });
    }
  },
};
