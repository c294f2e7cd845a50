/**
 * One caller's connection at the node: request frames in, a handler started for each at once,
 * answers out in whatever order the handlers finish. A malformed frame closes the connection and is
 * not logged: it is the peer's bug, and logging it would let any peer fill our logs. A body past the
 * limit is answered 413 and skipped without being buffered, and the connection carries on.
 * Reading pauses while the caller does not read its answers, so it cannot pile them up here.
 */
import type { Socket } from "node:net";
import { internal, isMicroError, payloadTooLarge, unavailable } from "../../errors/index.js";
import { MAX_MESSAGE_BYTES, type TransportHandler, type TransportResponse } from "../index.js";
import { ERROR, REFUSED, REQUEST, RESPONSE, decodeRequest, encodeAnswer, encodeGoAway, frameId } from "./frame.js";
import { FrameReader, type FrameSink } from "./reader.js";
import { FrameWriter, tune } from "./socket.js";

const REQUESTS: ReadonlySet<number> = new Set([REQUEST]);

export function wireError(error: { code: number }): TransportResponse {
  return { ok: false, code: error.code, body: Buffer.from(JSON.stringify(error)) };
}

/** The answer to a request that crossed our GOAWAY: not run, so the caller may send it elsewhere. */
const SHUTTING_DOWN = wireError(unavailable("transport", "node is shutting down", { reason: "shutting_down" }));
const TOO_LARGE = wireError(payloadTooLarge("transport", `RPC body exceeds ${MAX_MESSAGE_BYTES} bytes`, { reason: "body_too_large" }));
const INTERNAL = wireError(internal("transport", "internal error", { reason: "internal_error" }));
/** A response the frame limit cannot carry: the caller gets this instead of a frame it would refuse. */
const RESPONSE_TOO_LARGE = wireError(internal("transport", `response body exceeds ${MAX_MESSAGE_BYTES} bytes`, { reason: "response_too_large" }));

export class ServerConnection implements FrameSink {
  private readonly writer: FrameWriter;
  private readonly reader = new FrameReader(this, REQUESTS);
  private inFlight = 0;
  private draining = false;
  /** The caller half-closed: no more requests will come, only answers are owed. */
  private peerEnded = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: TransportHandler,
    onClose: () => void,
  ) {
    this.writer = new FrameWriter(socket);
    tune(socket);
    socket.on("data", (chunk: Buffer) => this.reader.push(chunk));
    socket.on("end", () => {
      this.peerEnded = true;
      this.endIfDone();
    });
    // A reset by the caller ends in "close" like any other; there is nothing to report.
    socket.on("error", () => undefined);
    socket.once("close", onClose);
  }

  frame(frame: Buffer): void {
    const id = frameId(frame);
    if (this.draining) return this.send(id, SHUTTING_DOWN, REFUSED);
    let request;
    try {
      request = decodeRequest(frame);
    } catch {
      return this.malformed();
    }
    this.inFlight++;
    let answer: Promise<TransportResponse>;
    try {
      answer = this.handler(request);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (response) => this.done(id, response),
      // Server.serve never throws; anything that escapes a handler is ours, hence a bare 500.
      (error: unknown) => this.done(id, isMicroError(error) ? wireError(error) : INTERNAL),
    );
  }

  tooLarge(id: number): void {
    this.send(id, this.draining ? SHUTTING_DOWN : TOO_LARGE, this.draining ? REFUSED : ERROR);
  }

  malformed(): void {
    this.socket.destroy();
  }

  /** Asks the caller to stop sending here; it half-closes once its calls are answered. */
  goAway(): void {
    if (this.draining) return;
    this.draining = true;
    this.writer.write(encodeGoAway());
  }

  destroy(): void {
    this.socket.destroy();
  }

  private done(id: number, response: TransportResponse): void {
    this.inFlight--;
    const fits = response.body.byteLength <= MAX_MESSAGE_BYTES;
    this.send(id, fits ? response : RESPONSE_TOO_LARGE, fits && response.ok ? RESPONSE : ERROR);
    this.endIfDone();
  }

  private send(id: number, response: TransportResponse, kind: number): void {
    this.writer.write(encodeAnswer(id, kind, response.body, kind === RESPONSE ? undefined : (response.code ?? 500)));
    if (this.writer.backedUp && !this.socket.isPaused()) {
      this.socket.pause();
      this.socket.once("drain", () => this.socket.resume());
    }
  }

  /** Once the caller has half-closed and every call is answered, our side closes too. */
  private endIfDone(): void {
    if (this.peerEnded && this.inFlight === 0) this.writer.end();
  }
}
