/**
 * The HTTP/1.1 transport client: one undici keep-alive Pool per node address.
 * undici, not `fetch`: a Pool measured several times faster than Node's fetch (docs/architecture.md,
 * "Measured, to choose with").
 */
import { Pool, errors as undiciErrors } from "undici";
import { CallTimeoutError, ConnectionError, ConnectionLostError, type TransportClient, type TransportRequest, type TransportResponse } from "../transport/index.js";
import { ENDPOINT_HEADER, ERROR_HEADER, SERVICE_HEADER, DEADLINE_HEADER, metadataToHeaders } from "./headers.js";

/** Keep-alive connections per node: enough for 64 calls in flight, each HTTP/1.1 connection carrying one. */
export const DEFAULT_HTTP_CONNECTIONS_PER_NODE = 64;
/** A node that does not accept within this is taken as unreachable, and the call goes elsewhere. */
export const DEFAULT_HTTP_CONNECT_TIMEOUT_MS = 1000;

export interface HttpClientOptions {
  /** Sockets per node. @default 64 */
  readonly connectionsPerNode?: number;
  /** Give up connecting after this long; a connect failure is retried on another node. @default 1000 */
  readonly connectTimeoutMs?: number;
}

/** Error codes that mean the request was never written to the node. */
const NOT_DELIVERED = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOENT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export class HttpTransportClient implements TransportClient {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: HttpClientOptions = {}) {}

  async request(address: string, request: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      [SERVICE_HEADER]: request.service,
      [ENDPOINT_HEADER]: request.endpoint,
      [DEADLINE_HEADER]: String(Math.ceil(request.deadline)),
    };
    metadataToHeaders(request.metadata, headers);
    // undici gives up on a request only through a signal. HTTP is not the default transport, so
    // it alone pays for a controller; the callers' deadline is the number in the request.
    const timeout = new AbortController();
    const timeoutMs = Math.max(0, request.deadline - Date.now());
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    try {
      const response = await this.pool(address).request({
        method: "POST",
        path: "/",
        headers,
        body: request.body,
        signal: timeout.signal,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const ok = response.statusCode === 200 && response.headers[ERROR_HEADER] === undefined;
      return ok ? { ok, body } : { ok, code: response.statusCode, body };
    } catch (error) {
      if (timeout.signal.aborted) throw new CallTimeoutError(address, timeoutMs, { cause: error });
      throw classify(error, address);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  private pool(address: string): Pool {
    let pool = this.pools.get(address);
    if (!pool) {
      pool = new Pool(`http://${address}`, {
        connections: this.options.connectionsPerNode ?? DEFAULT_HTTP_CONNECTIONS_PER_NODE,
        connectTimeout: this.options.connectTimeoutMs ?? DEFAULT_HTTP_CONNECT_TIMEOUT_MS,
      });
      this.pools.set(address, pool);
    }
    return pool;
  }
}

function classify(error: unknown, address: string): unknown {
  const code = errorCode(error);
  if (code !== undefined && NOT_DELIVERED.has(code)) return new ConnectionError(address, { cause: error });
  if (error instanceof undiciErrors.UndiciError || code === "ECONNRESET" || code === "EPIPE") {
    return new ConnectionLostError(address, { cause: error });
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCode(cause);
}
