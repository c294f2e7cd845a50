/**
 * The TCP transport's wire format: length-prefixed binary frames, all integers big-endian.
 *
 *   u32 length    bytes after this field
 *   u32 id        the call the frame belongs to; 0 on GOAWAY
 *   u8  kind      REQUEST 1 | RESPONSE 2 | ERROR 3 | REFUSED 4 | GOAWAY 5
 *   u16 headLen   bytes of the kind's head that follow
 *   head          REQUEST: f64 deadline (epoch ms), str service, str endpoint, u16 pairs, pairs × (str key, str value)
 *                 ERROR, REFUSED: u16 code; RESPONSE, GOAWAY: empty
 *   body          the rest of the frame (length - 7 - headLen bytes), passed through untouched
 *
 * `str` is a u16 byte count and UTF-8. The fixed 11 bytes size every frame before its head is read,
 * so a reader knows the body's size, and can refuse it, without buffering it. The head is bounded by
 * its u16 length, the body by MAX_MESSAGE_BYTES.
 */
import type { TransportRequest } from "../index.js";

export const PREFIX_BYTES = 11;
export const MAX_HEAD_BYTES = 0xffff;

export const REQUEST = 1;
export const RESPONSE = 2;
/** A handler's error response: head carries its code, body the wire error. */
export const ERROR = 3;
/** The node is draining and did not run the call: the caller may send it elsewhere. */
export const REFUSED = 4;
/** The node is draining: send nothing more on this connection, close it once answered. */
export const GOAWAY = 5;

/** Bodies up to this size are copied behind their prefix, so a frame is one buffer and one write. */
const COPY_BODY_BYTES = 16 * 1024;
const DEADLINE_BYTES = 8;
/** Where request heads are assembled: reused, since a head is copied out as soon as it is written. */
const scratch = Buffer.allocUnsafe(PREFIX_BYTES + MAX_HEAD_BYTES);

/** The call's names and metadata do not fit the u16 head. */
export class HeadTooLargeError extends Error {
  constructor() {
    super(`call service, endpoint and metadata exceed ${MAX_HEAD_BYTES} bytes`);
    this.name = "HeadTooLargeError";
  }
}

/** One buffer for small bodies; prefix and head, then the caller's body, for large ones (no copy). */
export type Encoded = Buffer | readonly [Buffer, Uint8Array];

export function encodeRequest(id: number, request: TransportRequest): Encoded {
  scratch.writeDoubleBE(Number.isFinite(request.deadline) ? request.deadline : 0, PREFIX_BYTES);
  let offset = writeString(request.service, PREFIX_BYTES + DEADLINE_BYTES);
  offset = writeString(request.endpoint, offset);
  const countAt = offset;
  offset += 2;
  let pairs = 0;
  const metadata = request.metadata;
  for (const key in metadata) {
    const value = metadata[key];
    if (value === undefined) continue;
    offset = writeString(value, writeString(key, offset));
    pairs++;
  }
  scratch.writeUInt16BE(pairs, countAt);
  return assemble(scratch, id, REQUEST, offset - PREFIX_BYTES, request.body);
}

/** RESPONSE when `code` is undefined, else ERROR or REFUSED with it. */
export function encodeAnswer(id: number, kind: number, body: Uint8Array, code?: number): Encoded {
  const head = Buffer.allocUnsafe(PREFIX_BYTES + 2);
  if (code === undefined) return assemble(head, id, kind, 0, body);
  head.writeUInt16BE(code, PREFIX_BYTES);
  return assemble(head, id, kind, 2, body);
}

export function encodeGoAway(): Buffer {
  return assemble(Buffer.allocUnsafe(PREFIX_BYTES), 0, GOAWAY, 0, new Uint8Array(0)) as Buffer;
}

/** Fills in the prefix of `head` (whose head bytes are already written) and joins the body. */
function assemble(head: Buffer, id: number, kind: number, headBytes: number, body: Uint8Array): Encoded {
  const headEnd = PREFIX_BYTES + headBytes;
  head.writeUInt32BE(headEnd - 4 + body.byteLength, 0);
  head.writeUInt32BE(id, 4);
  head[8] = kind;
  head.writeUInt16BE(headBytes, 9);
  if (body.byteLength > COPY_BODY_BYTES) return [Buffer.from(head.subarray(0, headEnd)), body];
  // Small enough to copy: one buffer means one entry in the socket's writev, not two.
  const frame = Buffer.allocUnsafe(headEnd + body.byteLength);
  head.copy(frame, 0, 0, headEnd);
  frame.set(body, headEnd);
  return frame;
}

/**
 * Writes `text` as a u16-counted string into the scratch head at `offset`; the next offset.
 * Written in one pass, truncated at the head's end: only a write that reached the end can have been
 * cut short, and only then is the text measured to tell.
 */
function writeString(text: string, offset: number): number {
  const room = scratch.length - offset - 2;
  if (room < 0) throw new HeadTooLargeError();
  const written = text.length === 0 ? 0 : scratch.write(text, offset + 2, room, "utf8");
  // A multi-byte character that does not fit is left out whole: up to 3 bytes short of the end.
  if (written > room - 4 && Buffer.byteLength(text) !== written) throw new HeadTooLargeError();
  scratch.writeUInt16BE(written, offset);
  return offset + 2 + written;
}

export function frameId(frame: Buffer): number {
  return frame.readUInt32BE(4);
}

export function frameKind(frame: Buffer): number {
  return frame[8] ?? 0;
}

/** The code of an ERROR or REFUSED frame; undefined when its head has none. */
export function frameCode(frame: Buffer): number | undefined {
  return frame.readUInt16BE(9) >= 2 ? frame.readUInt16BE(PREFIX_BYTES) : undefined;
}

export function frameBody(frame: Buffer): Buffer {
  return frame.subarray(PREFIX_BYTES + frame.readUInt16BE(9));
}

/** A frame that does not follow the layout: only a broken peer sends one. */
export class MalformedFrameError extends Error {
  constructor(what: string) {
    super(`malformed frame: ${what}`);
    this.name = "MalformedFrameError";
  }
}

/** What the callee assumes when the caller sent no deadline, as over HTTP. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** Reads a whole REQUEST frame; throws MalformedFrameError when its head does not add up. */
export function decodeRequest(frame: Buffer): TransportRequest {
  const end = PREFIX_BYTES + frame.readUInt16BE(9);
  if (end - PREFIX_BYTES < DEADLINE_BYTES + 6) throw new MalformedFrameError("request head too short");
  const cursor = { at: PREFIX_BYTES + DEADLINE_BYTES };
  const sent = frame.readDoubleBE(PREFIX_BYTES);
  const deadline = Number.isFinite(sent) && sent > 0 ? sent : Date.now() + DEFAULT_TIMEOUT_MS;
  const service = readString(frame, cursor, end);
  const endpoint = readString(frame, cursor, end);
  if (cursor.at + 2 > end) throw new MalformedFrameError("metadata count past the head");
  const pairs = frame.readUInt16BE(cursor.at);
  cursor.at += 2;
  const metadata: Record<string, string> = {};
  for (let i = 0; i < pairs; i++) {
    const key = readString(frame, cursor, end);
    const value = readString(frame, cursor, end);
    // Assigning this key would replace the object's prototype instead of adding an entry.
    if (key !== "__proto__") metadata[key] = value;
  }
  if (cursor.at !== end) throw new MalformedFrameError("bytes left over in the request head");
  return { service, endpoint, metadata, deadline, body: frame.subarray(end) };
}

function readString(frame: Buffer, cursor: { at: number }, end: number): string {
  const start = cursor.at + 2;
  if (start > end) throw new MalformedFrameError("string length past the head");
  const stop = start + frame.readUInt16BE(cursor.at);
  if (stop > end) throw new MalformedFrameError("string past the head");
  cursor.at = stop;
  return frame.toString("utf8", start, stop);
}
