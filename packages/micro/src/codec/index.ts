/**
 * Codecs turn request and response bodies into bytes. JSON is the only one for now:
 * DESIGN.md section 6 measured it as fast as msgpack for the small bodies these services send.
 */

export interface Codec {
  readonly contentType: string;
  encode(value: unknown): Buffer;
  /** Throws `CodecError` when `bytes` is not a valid encoding. */
  decode(bytes: Uint8Array): unknown;
}

export class CodecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CodecError";
  }
}

export const jsonCodec: Codec = {
  contentType: "application/json",
  encode(value) {
    return Buffer.from(JSON.stringify(value ?? null));
  },
  decode(bytes) {
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    } catch (error) {
      throw new CodecError("body is not valid JSON", { cause: error });
    }
  },
};
