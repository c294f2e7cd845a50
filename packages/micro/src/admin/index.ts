/**
 * The admin HTTP server every service runs beside its RPC transport: `/health` (liveness: the
 * process answers), `/ready` (readiness: its checks pass, else 503 naming what is missing) and
 * `/metrics` (Prometheus text). Orchestrators probe it; it carries no business traffic.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { methodNotAllowed, notFound, unavailable } from "../errors/index.js";
import type { Metrics } from "../metrics/index.js";
import { listenOn } from "../transport/listen.js";
import type { Readiness } from "../health/index.js";

export interface AdminServerOptions {
  /** The program's name, the `id` of its error replies. */
  readonly name: string;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
}

export interface AdminServer {
  readonly address: string;
  close(): Promise<void>;
}

export async function listenAdmin(address: string, options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer((req, res) => {
    answer(req, res, options).catch(() => send(res, 500, { status: "error" }));
  });
  return {
    address: await listenOn(server, address),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, methodNotAllowed(options.name, "only GET is served here", { reason: "method_not_allowed" }).toJSON());
  switch (path) {
    case "/health":
      return send(res, 200, { status: "ok" });
    case "/ready": {
      const report = await options.readiness.evaluate();
      if (report.ready) return send(res, 200, { status: "ok" });
      return send(res, 503, unavailable(options.name, `not ready: ${report.failing.join("; ")}`, { reason: "not_ready" }).toJSON());
    }
    case "/metrics": {
      const text = await options.metrics.text();
      res.writeHead(200, { "content-type": options.metrics.contentType });
      res.end(text);
      return;
    }
    default:
      return send(res, 404, notFound(options.name, `no route for ${path}`, { reason: "route_not_found" }).toJSON());
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
