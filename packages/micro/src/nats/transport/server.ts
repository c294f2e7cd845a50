/**
 * The NATS transport's node side: one subscription on the node's own subject, no queue group,
 * because the caller's selector has already chosen this node. Each request is one call, or one
 * part of a call too large for a message (parts.ts). Closing drains: the subscription goes first
 * (callers then get "no responders" and retry elsewhere), in-flight handlers get the grace period.
 */
import { randomUUID } from "node:crypto";
import type { Msg } from "@nats-io/transport-node";
import { type MicroError, badRequest, internal, isMicroError, payloadTooLarge } from "../../errors/index.js";
import type { SharedNatsConnection } from "../connection.js";
import { MAX_MESSAGE_BYTES, type Listener, type TransportHandler, type TransportResponse } from "../../transport/index.js";
import {
  CALL_HEADER,
  CODE_HEADER,
  ERROR_HEADER,
  FETCH_HEADER,
  type Fields,
  PARTS_HEADER,
  PART_HEADER,
  fromHeaders,
  headerBytes,
  readCall,
  toHeaders,
} from "./headers.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, Downloads, Uploads, partBytes, split } from "./parts.js";

export function listenNats(connection: SharedNatsConnection, subject: string, handler: TransportHandler): Listener {
  const node = new NodeServer(connection, handler);
  const subscription = connection.nc.subscribe(subject, {
    callback: (error, msg) => {
      if (!error) node.receive(msg);
    },
  });
  let closing: Promise<void> | undefined;
  return {
    address: subject,
    close(graceMs) {
      closing ??= (async () => {
        // drain() waits for the server to drop the interest, unless NATS is away: then it is cut short.
        await Promise.race([subscription.drain().catch(() => undefined), sleep(Math.max(graceMs, 100))]);
        if (!subscription.isClosed()) subscription.unsubscribe();
        await node.idle(graceMs);
        node.clear();
        await connection.release();
      })();
      return closing;
    },
  };
}

class NodeServer {
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private readonly uploads = new Uploads();
  private readonly downloads = new Downloads();

  constructor(
    private readonly connection: SharedNatsConnection,
    private readonly handler: TransportHandler,
  ) {}

  receive(msg: Msg): void {
    if (!msg.reply) return; // a publish is not a call: nobody waits for an answer
    const fields = fromHeaders(msg.headers);
    if (fields[FETCH_HEADER] !== undefined) return this.fetch(msg, fields);
    if (fields[PART_HEADER] !== undefined) return this.upload(msg, fields);
    this.inFlight++;
    void this.call(msg, fields).finally(() => {
      if (--this.inFlight === 0) this.drained?.();
    });
  }

  /** Resolves once no handler runs, or after `graceMs`. */
  async idle(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((resolve) => (this.drained = resolve)), sleep(graceMs)]);
  }

  clear(): void {
    this.uploads.clear();
    this.downloads.clear();
  }

  private async call(msg: Msg, fields: Fields): Promise<void> {
    let response: TransportResponse;
    try {
      response = await this.handler(readCall(fields, this.body(msg, fields)));
    } catch (error) {
      // readCall and body reject bad calls with wire errors; anything else is ours, hence a 500.
      const wire = isMicroError(error) ? error : internal("transport", "internal error", { reason: "internal_error" });
      response = { ok: false, code: wire.code, body: Buffer.from(JSON.stringify(wire)) };
    }
    this.reply(msg, response);
  }

  /** The call's body: the message's own, or the upload it completes. */
  private body(msg: Msg, fields: Fields): Uint8Array {
    const parts = fields[PARTS_HEADER];
    if (parts === undefined) return msg.data;
    const body = this.uploads.complete(fields[CALL_HEADER] ?? "", Number(parts), msg.data);
    if (body === "too large") throw tooLarge();
    if (body === "incomplete") throw badRequest("transport", "incomplete upload: parts missing or out of order", { reason: "protocol_error" });
    return body;
  }

  private upload(msg: Msg, fields: Fields): void {
    if (this.uploads.add(fields[CALL_HEADER] ?? "", Number(fields[PART_HEADER]), msg.data)) {
      this.send(msg, msg.data.subarray(0, 0), {});
      return;
    }
    const wire = tooLarge();
    this.reply(msg, { ok: false, code: wire.code, body: Buffer.from(JSON.stringify(wire)) });
  }

  private fetch(msg: Msg, fields: Fields): void {
    const part = this.downloads.fetch(fields[CALL_HEADER] ?? "", Number(fields[FETCH_HEADER]));
    if (part) return this.send(msg, part, {});
    const wire = badRequest("transport", "no such reply part", { reason: "protocol_error" });
    this.send(msg, Buffer.from(JSON.stringify(wire)), { [ERROR_HEADER]: "1", [CODE_HEADER]: String(wire.code) });
  }

  /** One message when it fits, else the first part now and the rest held for fetching. */
  private reply(msg: Msg, response: TransportResponse): void {
    const fields: Fields = response.ok ? {} : { [ERROR_HEADER]: "1", [CODE_HEADER]: String(response.code ?? 500) };
    const maxPayload = this.connection.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (response.body.byteLength + headerBytes(fields) <= maxPayload) return this.send(msg, response.body, fields);
    const [first, ...rest] = split(response.body, partBytes(maxPayload));
    const id = randomUUID();
    this.downloads.put(id, rest);
    this.send(msg, first ?? response.body, { ...fields, [CALL_HEADER]: id, [PARTS_HEADER]: String(rest.length + 1) });
  }

  private send(msg: Msg, body: Uint8Array, fields: Fields): void {
    try {
      // A plain success carries no headers at all: encoding and parsing an empty block costs both sides.
      msg.respond(body, Object.keys(fields).length > 0 ? { headers: toHeaders(fields) } : undefined);
    } catch {
      // The connection closed under a late handler; its caller has given up or will time out.
    }
  }
}

/** What HTTP answers too: an out-of-order part is only ever seen from a broken peer, and answered the same. */
function tooLarge(): MicroError {
  return payloadTooLarge("transport", `RPC body exceeds ${MAX_MESSAGE_BYTES} bytes`, { reason: "body_too_large" });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
