/**
 * Requests that no HTTP client library will send (raw bytes in the target or in headers,
 * broken framing, CONNECT, huge headers) go out over a plain socket, one connection each with
 * `Connection: close`, and the answer is read until the server closes. The response parser is
 * small on purpose: status line, headers, and a body by Content-Length, chunks or close.
 */
import { connect } from "node:net";
import { type FuzzRequest, bodyBytes, headerValue } from "./request.js";
import type { Answer } from "./send.js";

/** Long enough for any answer the gateway gives; a socket silent for this long has hung. */
export const SOCKET_TIMEOUT_MS = 10_000;

/** The bytes of `request`, with Host, Connection: close and framing added unless the request sets them. */
export function requestBytes(request: FuzzRequest, host: string): Buffer {
  if (request.wire !== undefined) return Buffer.from(request.wire);
  const body = bodyBytes(request.body);
  const chunked = /chunked\s*$/i.test(headerValue(request, "transfer-encoding") ?? "");
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  if (headerValue(request, "host") === undefined) lines.push(`Host: ${host}`);
  if (headerValue(request, "connection") === undefined) lines.push("Connection: close");
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const framed = chunked || headerValue(request, "content-length") !== undefined;
  if (body !== undefined && !framed) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "utf8");
  if (body === undefined) return chunked ? Buffer.concat([head, Buffer.from("0\r\n\r\n")]) : head;
  if (!chunked) return Buffer.concat([head, body]);
  const size = body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n")] : [];
  return Buffer.concat([head, ...size, Buffer.from("0\r\n\r\n")]);
}

/**
 * Sends `request` on its own connection and reads the first complete answer, or what there is
 * when the server closes the connection or stops sending.
 */
export function sendOverSocket(request: FuzzRequest, base: URL): Promise<Answer> {
  const bytes = requestBytes(request, base.host);
  return new Promise((resolve) => {
    const socket = connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (reason: string | undefined) => {
      const answer = parseAnswer(Buffer.concat(chunks), request.method, reason !== undefined);
      if (done || (answer === undefined && reason === undefined)) return;
      done = true;
      socket.destroy();
      resolve(answer ?? noAnswer(reason ?? ""));
    };
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => finish(`no answer within ${SOCKET_TIMEOUT_MS} ms`));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      finish(undefined);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A server may answer and stop reading before the request is all sent (a refused header
      // block): the write fails, but the answer can still be read, as curl reads it. Only the
      // close decides then; a reset (ECONNRESET) is a failure.
      if (error.code === "EPIPE") return;
      finish(error.code ?? error.message);
    });
    socket.on("close", () => finish("connection closed without an answer"));
    socket.write(bytes);
  });
}

export function noAnswer(reason: string): Answer {
  return { status: 0, headers: {}, text: "", failure: reason };
}

/**
 * The first final (non-1xx) response in `bytes`, or undefined when there is none yet. Unless
 * the connection `ended`, a response counts only once its body is complete by its own framing.
 */
export function parseAnswer(bytes: Buffer, method: string, ended = true): Answer | undefined {
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const [statusLine = "", ...lines] = rest.subarray(0, end).toString("latin1").split("\r\n");
    const match = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
    if (match === null) return undefined;
    const status = Number(match[1]);
    const headers: Record<string, string | string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prior = headers[name];
      headers[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const after = rest.subarray(end + 4);
    if (status < 200) {
      rest = after;
      continue;
    }
    const bodyless = method === "HEAD" || status === 204 || status === 304;
    const body = bodyless ? { bytes: Buffer.alloc(0), complete: true } : bodyOf(after, headers);
    return body.complete || ended ? { status, headers, text: body.bytes.toString("utf8") } : undefined;
  }
}

function bodyOf(after: Buffer, headers: Record<string, string | string[]>): { bytes: Buffer; complete: boolean } {
  const te = String(headers["transfer-encoding"] ?? "");
  if (/chunked/i.test(te)) return dechunk(after);
  const length = Number(headers["content-length"]);
  if (Number.isInteger(length) && length >= 0) return { bytes: after.subarray(0, length), complete: after.length >= length };
  return { bytes: after, complete: false };
}

function dechunk(data: Buffer): { bytes: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return { bytes: Buffer.concat(parts), complete: false };
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isInteger(size) || size < 0) return { bytes: Buffer.concat(parts), complete: false };
    if (size === 0) return { bytes: Buffer.concat(parts), complete: true };
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
