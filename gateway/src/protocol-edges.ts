/**
 * Requests Node or Fastify would answer on their own, in their own words: a CONNECT (Node drops
 * the socket when nothing listens for it), an `Expect` Node does not know (417 with an empty
 * body), a path that is not valid percent-encoding or whose parameter is over the router's limit
 * (Fastify's own JSON). Each gets the error shape and a request id here, like every other answer.
 * A request without a Host header is served as any other: an API gateway routes by path alone.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { MicroError, badRequest, methodNotAllowed } from "@gw/micro";
import { GATEWAY_ID } from "./errors.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";

/** Fastify's `frameworkErrors`: errors of the router, before any hook runs. */
export function frameworkErrors(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const wire =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new MicroError(GATEWAY_ID, 414, "path: a segment is longer than the gateway accepts", { reason: "path_too_long" })
      : badRequest(GATEWAY_ID, "path: is not valid percent-encoding", { reason: "invalid_path" });
  void reply.code(wire.code).header(REQUEST_ID_HEADER, request.id).send(wire.toJSON());
}

/** Node's `checkExpectation`: an `Expect` other than 100-continue, which nothing here honours. */
export function refuseExpectation(request: IncomingMessage, response: ServerResponse): void {
  const wire = new MicroError(GATEWAY_ID, 417, "expect: only 100-continue is supported", { reason: "expectation_unsupported" });
  send(response, wire, requestIdFor(request));
}

/** Node's `connect`: a tunnel request, which a gateway of JSON APIs never opens. */
export function refuseConnect(request: IncomingMessage, socket: Socket): void {
  const wire = methodNotAllowed(GATEWAY_ID, "CONNECT is not supported: this gateway opens no tunnels", { reason: "method_not_allowed" });
  const body = JSON.stringify(wire.toJSON());
  const head = [
    "HTTP/1.1 405 Method Not Allowed",
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(body)}`,
    `${REQUEST_ID_HEADER}: ${requestIdFor(request)}`,
    "connection: close",
  ];
  if (socket.writable) socket.end(`${head.join("\r\n")}\r\n\r\n${body}`, () => socket.destroy());
  else socket.destroy();
}

function send(response: ServerResponse, wire: MicroError, requestId: string): void {
  const body = JSON.stringify(wire.toJSON());
  response.writeHead(wire.code, { "content-type": "application/json", "content-length": Buffer.byteLength(body), [REQUEST_ID_HEADER]: requestId });
  response.end(body);
}
