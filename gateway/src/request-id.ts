/**
 * The request id: the client's `x-request-id` when it is a sane token, else a new UUID.
 * It is echoed on every response and carried to every backend in call metadata.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const REQUEST_ID_HEADER = "x-request-id";

/** Long or odd ids would let a client write arbitrary text into our logs and headers. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  const id = Array.isArray(sent) ? sent[0] : sent;
  return id !== undefined && SAFE_REQUEST_ID.test(id) ? id : randomUUID();
}
