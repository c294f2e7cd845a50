/**
 * Puts generated requests on the wire. Well-formed ones share a few keep-alive connections (an
 * undici Pool), as real clients do; anything undici would refuse or that makes Node's parser
 * close the connection (raw bytes, CONNECT, unknown methods, huge headers, framing headers) goes
 * over its own socket, so one request's broken connection never fails the next.
 */
import { Pool } from "undici";
import { type FuzzRequest, PARSER_METHODS } from "./request.js";
import { SOCKET_TIMEOUT_MS, noAnswer, sendOverSocket } from "./wire.js";

export interface Answer {
  /** 0 when there was no answer at all. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** Why there is no answer: a timeout, a reset, a close. */
  readonly failure?: string | undefined;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRINTABLE = /^[\t\x20-\x7e]*$/;
/** Headers undici sets itself or refuses to send as given. */
const FRAMING = new Set(["host", "connection", "keep-alive", "upgrade", "transfer-encoding", "content-length", "expect", "te", "trailer"]);
/** Well below Node's 16 KiB header limit: a request near it would make the server close the shared connection. */
const POOLED_HEADER_BYTES = 8 * 1024;

/** Whether undici will send `request` as it is and Node will parse it, leaving the connection usable. */
export function poolable(request: FuzzRequest): boolean {
  if (request.wire !== undefined || request.method === "CONNECT" || !PARSER_METHODS.has(request.method)) return false;
  if (!/^\/[\x21-\x7e]*$/.test(request.target)) return false;
  let size = request.target.length;
  for (const [name, value] of request.headers) {
    if (!TOKEN.test(name) || !PRINTABLE.test(value) || FRAMING.has(name.toLowerCase())) return false;
    size += name.length + value.length + 4;
  }
  return size < POOLED_HEADER_BYTES;
}

export class Sender {
  private readonly pool: Pool;
  private readonly base: URL;

  constructor(url: string, connections: number) {
    this.base = new URL(url);
    this.pool = new Pool(this.base.origin, {
      connections,
      pipelining: 1,
      headersTimeout: SOCKET_TIMEOUT_MS,
      bodyTimeout: SOCKET_TIMEOUT_MS,
      keepAliveTimeout: 30_000,
    });
  }

  send(request: FuzzRequest): Promise<Answer> {
    return poolable(request) ? this.pooled(request) : sendOverSocket(request, this.base);
  }

  private async pooled(request: FuzzRequest): Promise<Answer> {
    try {
      const response = await this.pool.request({
        method: request.method as "GET",
        path: request.target,
        headers: request.headers.flat(),
        body: request.body,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      const e = error as { code?: string; message?: string };
      return noAnswer(`${e.code ?? "error"}: ${e.message ?? String(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
