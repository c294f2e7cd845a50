/**
 * One client connection to a node, carrying many calls at once, each matched to its answer by a
 * 32-bit id. Requests written before the connection is up wait in the socket's own buffer.
 * How each way a call can end maps onto the transport's errors:
 * - the connection could not be made, or the node refused the call while draining: ConnectionError,
 *   since the call never ran and may go to another node;
 * - the connection broke once made: ConnectionLostError for every call still waiting, at once;
 * - no answer within the call's timeoutMs: CallTimeoutError, and the call is forgotten, so a late
 *   answer is dropped. One timer per waiting call, cleared however the call ends.
 * A GOAWAY from the node takes the connection out of use; it is closed once its calls are answered.
 */
import { type Socket, connect } from "node:net";
import { CallTimeoutError, ConnectionError, ConnectionLostError, type TransportRequest, type TransportResponse } from "../index.js";
import { ERROR, GOAWAY, REFUSED, RESPONSE, encodeRequest, frameBody, frameCode, frameId, frameKind } from "./frame.js";
import { FrameReader, type FrameSink } from "./reader.js";
import { FrameWriter, tune } from "./socket.js";

const ANSWERS: ReadonlySet<number> = new Set([RESPONSE, ERROR, REFUSED, GOAWAY]);

export interface ConnectionTarget {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs: number;
}

/** A call waiting for its answer. */
interface Waiting {
  resolve(response: TransportResponse): void;
  reject(error: unknown): void;
  readonly timer: NodeJS.Timeout;
}

export class Connection implements FrameSink {
  private readonly socket: Socket;
  private readonly writer: FrameWriter;
  private readonly reader = new FrameReader(this, ANSWERS);
  private readonly waiting = new Map<number, Waiting>();
  private lastId = 0;
  private established = false;
  /** No new calls: the node sent GOAWAY, or the connection is gone. */
  private retired = false;
  private failure: unknown;

  /** @param onRetired told once, when the connection must not take new calls */
  constructor(
    private readonly target: ConnectionTarget,
    private readonly onRetired: (connection: Connection) => void,
  ) {
    this.socket = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.writer = new FrameWriter(this.socket);
    tune(this.socket);
    const timer = setTimeout(() => this.socket.destroy(new Error(`connect timed out after ${target.connectTimeoutMs} ms`)), target.connectTimeoutMs);
    this.socket.once("connect", () => {
      clearTimeout(timer);
      this.established = true;
    });
    this.socket.on("data", (chunk: Buffer) => this.reader.push(chunk));
    // The node sends nothing after its FIN, so whatever still waits will never be answered.
    this.socket.on("end", () => this.socket.destroy());
    this.socket.on("error", (error) => (this.failure ??= error));
    this.socket.once("close", () => {
      clearTimeout(timer);
      this.gone();
    });
  }

  get usable(): boolean {
    return !this.retired && !this.socket.destroyed;
  }

  /** Waits for the answer until `request.deadline`. */
  request(request: TransportRequest): Promise<TransportResponse> {
    const id = (this.lastId = (this.lastId + 1) >>> 0);
    const frame = encodeRequest(id, request);
    const timeoutMs = Math.max(0, request.deadline - Date.now());
    return new Promise<TransportResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.forget(id);
        reject(new CallTimeoutError(this.target.address, timeoutMs));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.writer.write(frame);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  frame(frame: Buffer): void {
    const kind = frameKind(frame);
    if (kind === GOAWAY) return this.retire();
    const id = frameId(frame);
    const call = this.waiting.get(id);
    // A call that timed out is forgotten: its late answer has nobody to go to.
    if (!call) return;
    this.forget(id);
    if (kind === RESPONSE) call.resolve({ ok: true, body: frameBody(frame) });
    else if (kind === ERROR) call.resolve({ ok: false, code: errorCode(frameCode(frame)), body: frameBody(frame) });
    else call.reject(new ConnectionError(this.target.address, { cause: new Error(`node refused the call: ${frameBody(frame).toString()}`) }));
  }

  tooLarge(): void {
    this.malformed();
  }

  /** The node broke the protocol: nothing it sends on this connection can be trusted. */
  malformed(): void {
    this.failure ??= new Error("the node sent a malformed frame");
    this.retire();
    this.socket.destroy();
  }

  private forget(id: number): void {
    const call = this.waiting.get(id);
    if (!call) return;
    this.waiting.delete(id);
    clearTimeout(call.timer);
    if (this.retired && this.waiting.size === 0) this.writer.end();
  }

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.onRetired(this);
    // Our FIN tells the node no more calls follow; it closes its side once it has answered.
    if (this.waiting.size === 0) this.writer.end();
  }

  private gone(): void {
    this.retire();
    const cause = this.failure ?? new Error("connection closed by the node");
    const address = this.target.address;
    for (const [id, call] of this.waiting) {
      this.forget(id);
      call.reject(this.established ? new ConnectionLostError(address, { cause }) : new ConnectionError(address, { cause }));
    }
  }
}

/** An error code as sent, or 500 when it is not an error status, as the NATS transport reads it. */
function errorCode(code: number | undefined): number {
  return code !== undefined && code >= 400 && code <= 599 ? code : 500;
}
