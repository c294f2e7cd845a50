/**
 * Requests Node's HTTP parser refuses before Fastify ever sees them: a header block over the
 * limit, an unknown method, a malformed request line, chunk extensions over the limit. Node's
 * `clientError` hands us the socket; the answer is written on it directly, in the same error
 * shape as every other answer, with a request id that the log line of the refusal carries too.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES, maxHeaderSize } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { MicroError, type Reason } from "@gw/micro";
import { GATEWAY_ID } from "./errors.js";
import { SAFE_REQUEST_ID } from "./request-id.js";

/** llhttp's and Node's codes, by what they mean for the client. */
type Answer = readonly [code: number, detail: string, reason: Reason];

const ANSWERS: Readonly<Record<string, Answer>> = {
  HPE_HEADER_OVERFLOW: [431, `headers: exceed the ${Math.round(maxHeaderSize / 1024)} KiB limit`, "headers_too_large"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "body: chunk extensions exceed the parser's limit", "body_too_large"],
  HPE_INVALID_METHOD: [400, "request line: the method is not one HTTP defines", "malformed_request"],
  HPE_INVALID_URL: [400, "request line: the target is not a valid path", "malformed_request"],
  HPE_INVALID_CONSTANT: [400, "request line: is malformed", "malformed_request"],
  HPE_INVALID_VERSION: [400, "request line: is malformed", "malformed_request"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request: was not received in time", "request_timeout"],
};

const MALFORMED: Answer = [400, "request: is not valid HTTP/1.1", "malformed_request"];

/** The socket's response in progress, as Node's own handler checks it. */
interface HttpSocket extends Socket {
  readonly _httpMessage?: { readonly headersSent?: boolean } | null;
}

/** Fastify's `clientErrorHandler`: answers and closes, logging the refusal under its request id. */
export function clientErrorHandler(logger: FastifyBaseLogger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has no one left to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const [code, detail, reason] = ANSWERS[error.code ?? ""] ?? MALFORMED;
    const requestId = sentRequestId((error as { rawPacket?: unknown }).rawPacket) ?? randomUUID();
    logger.info({ requestId, status: code, reason: error.code }, `${code} ${detail}`);
    // As Node does: answer unless a response on this connection has already begun, which our
    // bytes would corrupt. The parser's state is broken after an error, so whatever else the
    // client sent on this connection cannot be read: keep-alive ends here, `connection: close`
    // says so, and the socket is destroyed once the answer is flushed.
    const inFlight = (socket as HttpSocket)._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(response(code, detail, reason, requestId), () => socket.destroy());
  };
}

/**
 * The client's own `x-request-id`, when the bytes the parser read hold a sane one: Node parses
 * no headers for a request it refuses, but hands over what it read. The same rule as for parsed
 * requests applies (request-id.ts), so a client can find its refusal in our logs.
 */
function sentRequestId(raw: unknown): string | undefined {
  if (!Buffer.isBuffer(raw)) return undefined;
  const match = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(raw.toString("latin1"));
  return match?.[1] !== undefined && SAFE_REQUEST_ID.test(match[1]) ? match[1] : undefined;
}

function response(code: number, detail: string, reason: Reason, requestId: string): string {
  const body = JSON.stringify(new MicroError(GATEWAY_ID, code, detail, { reason }).toJSON());
  return [
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? "Error"}`,
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}
