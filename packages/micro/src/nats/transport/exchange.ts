/**
 * One call over NATS request/reply, as the caller sends it: a single request when the call fits in
 * a message, else an upload in parts; then the reply, fetching its further parts if it came in
 * several (parts.ts). Failures are left raw here; client.ts turns them into transport errors,
 * except for what only this layer knows: a failure while fetching reply parts means the call
 * already ran, so it is a lost connection, never "not delivered".
 */
import { randomUUID } from "node:crypto";
import { type Msg, type NatsConnection, RequestError, TimeoutError } from "@nats-io/transport-node";
import { ConnectionLostError, type TransportRequest, type TransportResponse } from "../../transport/index.js";
import {
  CALL_HEADER,
  CODE_HEADER,
  ERROR_HEADER,
  FETCH_HEADER,
  type Fields,
  PARTS_HEADER,
  PART_HEADER,
  callFields,
  fromHeaders,
  headerBytes,
  toHeaders,
} from "./headers.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_PARTS, partBytes, split } from "./parts.js";

export interface Exchange {
  readonly nc: NatsConnection;
  readonly subject: string;
  /** Epoch milliseconds: each request's NATS timeout is what remains of it. */
  readonly deadline: number;
}

export async function exchange(x: Exchange, request: TransportRequest): Promise<TransportResponse> {
  const fields = callFields(request);
  const maxPayload = x.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const overhead = headerBytes(fields);
  if (overhead > partBytes(maxPayload)) {
    throw new Error(`nats transport: call headers of ${overhead} bytes exceed half the max payload of ${maxPayload}`);
  }
  const reply =
    request.body.byteLength + overhead <= maxPayload
      ? await send(x, request.body, fields)
      : await upload(x, request.body, fields, partBytes(maxPayload));
  return readReply(x, reply);
}

function send(x: Exchange, body: Uint8Array, fields: Fields): Promise<Msg> {
  const timeout = x.deadline - Date.now();
  // Once nobody waits for the answer, a large call sends no further parts.
  if (timeout <= 0) return Promise.reject(new TimeoutError());
  return x.nc.request(x.subject, body, { timeout, headers: toHeaders(fields) });
}

/** The NATS request timed out: the time given for the call ran out. */
export function isTimeout(error: unknown): boolean {
  return error instanceof TimeoutError || (error instanceof RequestError && error.cause instanceof TimeoutError);
}

/** Sends parts one by one; the last one's reply is the call's, unless the node refused a part. */
async function upload(x: Exchange, body: Uint8Array, fields: Fields, size: number): Promise<Msg> {
  const parts = split(body, size);
  const call = randomUUID();
  for (let index = 0; index < parts.length - 1; index++) {
    const ack = await send(x, parts[index] as Uint8Array, { [CALL_HEADER]: call, [PART_HEADER]: String(index) });
    if (ack.headers?.get(ERROR_HEADER)) return ack;
  }
  const last = parts[parts.length - 1] as Uint8Array;
  return send(x, last, { ...fields, [CALL_HEADER]: call, [PARTS_HEADER]: String(parts.length) });
}

async function readReply(x: Exchange, reply: Msg): Promise<TransportResponse> {
  const fields = fromHeaders(reply.headers);
  const count = fields[PARTS_HEADER] === undefined ? 1 : Number(fields[PARTS_HEADER]);
  const body = count === 1 ? reply.data : await download(x, fields[CALL_HEADER] ?? "", count, reply.data);
  if (fields[ERROR_HEADER] === undefined) return { ok: true, body };
  const code = Number(fields[CODE_HEADER]);
  return { ok: false, code: Number.isInteger(code) && code >= 400 ? code : 500, body };
}

async function download(x: Exchange, call: string, count: number, first: Uint8Array): Promise<Uint8Array> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTS) {
    throw new ConnectionLostError(x.subject, { cause: new Error(`reply claims ${count} parts`) });
  }
  const parts = [first];
  try {
    for (let index = 1; index < count; index++) {
      const part = await send(x, new Uint8Array(0), { [CALL_HEADER]: call, [FETCH_HEADER]: String(index) });
      if (part.headers?.get(ERROR_HEADER)) throw new Error(`reply part ${index} of ${count} is gone`);
      parts.push(part.data);
    }
  } catch (error) {
    if (isTimeout(error)) throw error;
    throw new ConnectionLostError(x.subject, { cause: error });
  }
  return Buffer.concat(parts);
}
