/**
 * Cuts a socket's byte stream into frames. A frame that arrives whole within one chunk is handed
 * on as a view of that chunk (no copy: the common case for small calls, many per chunk); one that
 * spans chunks is copied once into a buffer sized from its prefix, never re-concatenated per chunk,
 * so a 4 MiB body costs one copy rather than one per 64 KiB read.
 * A body past the limit is never buffered: the sink hears of it and the bytes are skipped as they
 * come, so the connection stays in step and the caller gets an answer (the HTTP transport's 413).
 */
import { PREFIX_BYTES } from "./frame.js";
import { MAX_MESSAGE_BYTES } from "../index.js";

export interface FrameSink {
  /** A whole frame whose kind is accepted; valid until the sink returns unless it keeps it. */
  frame(frame: Buffer): void;
  /** A frame of an accepted kind whose body exceeds the limit: it is being skipped. */
  tooLarge(id: number, kind: number): void;
  /** The stream is not frames of the accepted kinds; nothing more is read. */
  malformed(reason: string): void;
}

export class FrameReader {
  /** A prefix, or a whole frame, still being filled from further chunks. */
  private partial: Buffer | undefined;
  /** Whether `partial` is already the whole frame rather than only its prefix. */
  private sized = false;
  private filled = 0;
  /** Bytes of a refused frame still to discard. */
  private skipping = 0;
  private failed = false;

  /**
   * @param kinds the frame kinds this end accepts: anything else means the peer is broken
   * @param maxBodyBytes bodies past this are refused
   */
  constructor(
    private readonly sink: FrameSink,
    private readonly kinds: ReadonlySet<number>,
    private readonly maxBodyBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.failed) {
      if (this.skipping > 0) {
        const skipped = Math.min(this.skipping, chunk.length - offset);
        this.skipping -= skipped;
        offset += skipped;
      } else if (this.partial) offset = this.fill(chunk, offset);
      else offset = this.start(chunk, offset);
    }
  }

  /** A frame starts at `offset`: handed on in place when the chunk holds all of it. */
  private start(chunk: Buffer, offset: number): number {
    const available = chunk.length - offset;
    if (available < PREFIX_BYTES) {
      this.partial = Buffer.allocUnsafe(PREFIX_BYTES);
      this.sized = false;
      this.filled = chunk.copy(this.partial, 0, offset);
      return chunk.length;
    }
    const total = this.admit(chunk, offset);
    if (total < 0) return offset + PREFIX_BYTES;
    if (available >= total) {
      this.sink.frame(chunk.subarray(offset, offset + total));
      return offset + total;
    }
    this.partial = Buffer.allocUnsafe(total);
    this.sized = true;
    this.filled = chunk.copy(this.partial, 0, offset);
    return chunk.length;
  }

  private fill(chunk: Buffer, offset: number): number {
    const partial = this.partial as Buffer;
    const copied = chunk.copy(partial, this.filled, offset, offset + partial.length - this.filled);
    this.filled += copied;
    if (this.filled < partial.length) return offset + copied;
    this.partial = undefined;
    if (this.sized) {
      this.sink.frame(partial);
      return offset + copied;
    }
    // The prefix is complete: now the frame's size is known.
    const total = this.admit(partial, 0);
    if (total === PREFIX_BYTES) this.sink.frame(partial);
    else if (total > 0) {
      this.partial = Buffer.allocUnsafe(total);
      this.sized = true;
      this.filled = partial.copy(this.partial);
    }
    return offset + copied;
  }

  /** The frame's total size from its prefix, or -1 when it is skipped or the stream is broken. */
  private admit(buffer: Buffer, offset: number): number {
    const length = buffer.readUInt32BE(offset);
    const kind = buffer[offset + 8] ?? 0;
    const bodyBytes = length - (PREFIX_BYTES - 4) - buffer.readUInt16BE(offset + 9);
    if (!this.kinds.has(kind) || bodyBytes < 0) {
      this.failed = true;
      this.sink.malformed(this.kinds.has(kind) ? "length shorter than its head" : `unexpected frame kind ${kind}`);
      return -1;
    }
    if (bodyBytes > this.maxBodyBytes) {
      this.skipping = length + 4 - PREFIX_BYTES;
      this.sink.tooLarge(buffer.readUInt32BE(offset + 4), kind);
      return -1;
    }
    return length + 4;
  }
}
