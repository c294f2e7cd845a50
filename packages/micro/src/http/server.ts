/**
 * The HTTP/1.1 transport server: one POST per call, the call's names and deadline in headers.
 * It drains on close: stop accepting, let in-flight calls finish within the grace period.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { badRequest, internal, isMicroError, payloadTooLarge } from "../errors/index.js";
import { MAX_MESSAGE_BYTES, type Listener, type TransportHandler, type TransportRequest, type TransportResponse } from "../transport/index.js";
import { ENDPOINT_HEADER, ERROR_HEADER, SERVICE_HEADER, DEADLINE_HEADER, metadataFromHeaders } from "./headers.js";
import { listenOn } from "../transport/listen.js";

const DEFAULT_TIMEOUT_MS = 30_000;

export async function listenHttp(address: string, handler: TransportHandler): Promise<Listener> {
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    serve(req, res, handler).finally(() => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    address: await listenOn(server, address),
    async close(graceMs) {
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, graceMs).unref();
        });
      }
      server.closeAllConnections();
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handler: TransportHandler): Promise<void> {
  let response: TransportResponse;
  try {
    const request = await readRequest(req);
    response = await handler(request);
  } catch (error) {
    // readRequest rejects bad requests with wire errors; anything else is ours, hence a 500.
    const wire = isMicroError(error) ? error : internal("transport", "internal error", { reason: "internal_error" });
    response = { ok: false, code: wire.code, body: Buffer.from(JSON.stringify(wire)) };
  }
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": response.body.byteLength,
  };
  if (!response.ok) headers[ERROR_HEADER] = "1";
  res.writeHead(response.ok ? 200 : (response.code ?? 500), headers);
  res.end(response.body);
}

async function readRequest(req: IncomingMessage): Promise<TransportRequest> {
  const service = header(req, SERVICE_HEADER);
  const endpoint = header(req, ENDPOINT_HEADER);
  if (req.method !== "POST" || !service || !endpoint) {
    req.resume();
    throw badRequest("transport", "not an RPC request", { reason: "protocol_error" });
  }
  const sent = Number(header(req, DEADLINE_HEADER));
  return {
    service,
    endpoint,
    metadata: metadataFromHeaders(req.headers),
    deadline: Number.isFinite(sent) && sent > 0 ? sent : Date.now() + DEFAULT_TIMEOUT_MS,
    body: await readBody(req),
  };
}

/**
 * Buffers the body up to the limit. Past it, the rest is read and discarded rather than the
 * request destroyed: destroying it stalled a client still sending, which then saw no 413 at all
 * and waited out its deadline.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_MESSAGE_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.resume();
      reject(payloadTooLarge("transport", `RPC body exceeds ${MAX_MESSAGE_BYTES} bytes`, { reason: "body_too_large" }));
    };
    req.on("data", onData);
    req.once("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
