/**
 * How the NATS transport lays a call out in message headers: the HTTP transport's names and
 * metadata scheme (`micro-md-<key>`, URI-encoded values, so any string survives header rules), plus
 * an explicit code header, since a NATS reply has no status line, and the headers of calls that
 * are split into parts (see parts.ts).
 */
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import { badRequest } from "../../errors/index.js";
import type { TransportRequest } from "../../transport/index.js";
import {
  ENDPOINT_HEADER,
  SERVICE_HEADER,
  DEADLINE_HEADER,
  metadataFromHeaders,
  metadataToHeaders,
} from "../../http/headers.js";

export { ERROR_HEADER } from "../../http/headers.js";
/** The error's HTTP-style status, beside the error flag. */
export const CODE_HEADER = "micro-code";
/** Ties together the messages of one call that is split into parts. */
export const CALL_HEADER = "micro-call";
/** On an upload part: its index. */
export const PART_HEADER = "micro-part";
/** On the message that completes an upload, and on the first part of a reply: how many parts in all. */
export const PARTS_HEADER = "micro-parts";
/** On a request for a further part of a reply: its index. */
export const FETCH_HEADER = "micro-fetch";

/** A call's deadline when the caller sent none. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** "NATS/1.0\r\n" and the closing "\r\n". */
const HEADER_FRAME_BYTES = 12;

export type Fields = Record<string, string>;

/** The headers of a call: its names, what remains of its deadline, and its metadata. */
export function callFields(request: TransportRequest): Fields {
  const fields: Fields = {
    [SERVICE_HEADER]: request.service,
    [ENDPOINT_HEADER]: request.endpoint,
    [DEADLINE_HEADER]: String(Math.ceil(request.deadline)),
  };
  metadataToHeaders(request.metadata, fields);
  return fields;
}

/** Rebuilds a call from its headers and body; a message that is not a call is a 400. */
export function readCall(fields: Fields, body: Uint8Array): TransportRequest {
  const service = fields[SERVICE_HEADER];
  const endpoint = fields[ENDPOINT_HEADER];
  if (!service || !endpoint) throw badRequest("transport", "not an RPC request", { reason: "protocol_error" });
  const sent = Number(fields[DEADLINE_HEADER]);
  return {
    service,
    endpoint,
    metadata: metadataFromHeaders(fields),
    deadline: Number.isFinite(sent) && sent > 0 ? sent : Date.now() + DEFAULT_TIMEOUT_MS,
    body,
  };
}

export function toHeaders(fields: Fields): MsgHdrs {
  const headers = natsHeaders();
  for (const name in fields) {
    const value = fields[name];
    if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

/** The first value of each header; none for a message without headers. */
export function fromHeaders(headers: MsgHdrs | undefined): Fields {
  const fields: Fields = {};
  if (!headers) return fields;
  // Iterated, not looked up: MsgHdrs.get scans every key, which made this quadratic.
  for (const [name, values] of headers) if (values[0] !== undefined) fields[name] = values[0];
  return fields;
}

/** What `fields` add to a message on the wire, so a body can be checked against the max payload. */
export function headerBytes(fields: Fields): number {
  let bytes = HEADER_FRAME_BYTES;
  for (const name in fields) bytes += Buffer.byteLength(name) + Buffer.byteLength(fields[name] ?? "") + 4;
  return bytes;
}
