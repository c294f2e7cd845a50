/**
 * Socket plumbing both ends share: the options every connection gets, and a writer that batches
 * frames. Many calls are in flight on one connection and their frames are mostly produced together,
 * in one burst of promise callbacks after a chunk is read. Writing each at once costs a system call
 * per frame. Holding the whole burst until the event-loop turn ends costs one, but measured worse:
 * with 64 calls in flight the two processes then took turns, each idle while the other worked
 * through all 64 (64 frames per write on both sides, about 34k calls/s through Client and Server).
 * Also sending every FLUSH_FRAMES frames lets the peer start on the first ones while the rest are
 * made (about 53k, the client process then saturated).
 */
import type { Socket } from "node:net";
import type { Encoded } from "./frame.js";

/** Idle time before TCP keep-alive probes start, so a peer that vanished without a FIN is noticed. */
export const KEEPALIVE_INITIAL_DELAY_MS = 15_000;

export function tune(socket: Socket): void {
  // Frames are small and answered at once: Nagle's delay would sit on each one.
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEPALIVE_INITIAL_DELAY_MS);
}

/** Queued frames up to this size are joined into one buffer: one copy is cheaper than a writev entry each. */
const JOIN_BYTES = 64 * 1024;
/** Frames queued before they are sent without waiting for the turn to end. */
const FLUSH_FRAMES = 16;

export class FrameWriter {
  private readonly queued: Buffer[] = [];
  private queuedBytes = 0;
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  write(frame: Encoded): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (Buffer.isBuffer(frame)) this.queue(frame);
    else {
      this.queue(frame[0]);
      this.queue(Buffer.from(frame[1].buffer, frame[1].byteOffset, frame[1].byteLength));
    }
    if (this.queued.length >= FLUSH_FRAMES || this.queuedBytes >= JOIN_BYTES) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turnEnded);
    }
  }

  /** Whether the peer is reading more slowly than we write: the caller may stop reading from it. */
  get backedUp(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Sends what is queued, then the FIN. */
  end(): void {
    this.flush();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
  }

  flush(): void {
    const queued = this.queued;
    if (queued.length === 0 || this.socket.destroyed || this.socket.writableEnded) return this.clear();
    if (queued.length === 1) this.socket.write(queued[0] as Buffer);
    else if (this.queuedBytes <= JOIN_BYTES) this.socket.write(Buffer.concat(queued, this.queuedBytes));
    else {
      // Large bodies go as they are, gathered into one writev rather than copied.
      this.socket.cork();
      for (const frame of queued) this.socket.write(frame);
      this.socket.uncork();
    }
    this.clear();
  }

  private readonly turnEnded = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private queue(buffer: Buffer): void {
    this.queued.push(buffer);
    this.queuedBytes += buffer.byteLength;
  }

  private clear(): void {
    this.queued.length = 0;
    this.queuedBytes = 0;
  }
}
