/**
 * Builds the gateway's Fastify app: request ids, the routes of the live catalog (whatever the
 * registered services declare), the gateway's own routes, 404 and 405 in the error shape, and
 * one log line per request. Listening is left to the caller, so tests can `inject()` or bind
 * port 0; the catalog is first read when the app gets ready.
 */
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { AJV_OPTIONS, type Metrics, addNumericFormats } from "@gw/micro";
import type { App, GatewayDeps } from "./context.js";
import { clientErrorHandler } from "./client-errors.js";
import { errorHandler } from "./errors.js";
import { jsonBodies } from "./json-body.js";
import { frameworkErrors, refuseConnect, refuseExpectation } from "./protocol-edges.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";
import { type AuthConfig, auth } from "./auth/index.js";
import { type RateLimitOptions, rateLimit } from "./ratelimit/index.js";
import { observability, requestTraceId } from "./observability.js";
import { type Readiness, healthRoutes } from "./routes/health.js";
import { rpcRoutes } from "./routes/rpc.js";
import { answerUnrouted, routedByGateway } from "./routing.js";
import { LiveCatalog } from "./catalog/live-catalog.js";
import { findCatalogRoutes, routeLabel, serveCatalog } from "./catalog/serve.js";
import { apiDocs } from "./openapi/plugin.js";
import { mcpEndpoint } from "./mcp/index.js";
import { dashboard } from "./dashboard/index.js";

/** Request bodies are limited to 1 MiB, as the contract says. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const PROBES = new Set(["/health", "/ready"]);

/** What `/openapi.json` calls this API. */
const API_TITLE = "API gateway";
const API_VERSION = "1.0.0";

export interface GatewayOptions extends GatewayDeps {
  readonly logger: FastifyBaseLogger;
  /** Prometheus instruments and `/metrics`; absent: neither (tracing still runs). */
  readonly metrics?: Metrics | undefined;
  /**
   * Where the client's circuit breakers record their state, for the dashboard, when `metrics` is
   * absent (the program's metrics exist even when it serves no `/metrics`).
   */
  readonly breakerMetrics?: Metrics | undefined;
  /** Per-caller rate limiting (gateway/src/ratelimit); absent or `enabled: false`: none. */
  readonly rateLimit?: RateLimitOptions;
  /** Bearer JWT authentication and the catalog's rules (gateway/src/auth); absent or `enabled: false`: none. */
  readonly auth?: AuthConfig;
  /** Services `/ready` waits for (GATEWAY_EXPECT); the gateway names none itself. */
  readonly expect?: readonly string[];
  /** How often the catalog is read again besides the registry's watch. */
  readonly catalogResyncMs?: number;
}

export function buildGateway(options: GatewayOptions): App {
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request is written by the onResponse hook below, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    requestIdHeader: false,
    genReqId: requestIdFor,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Requests the HTTP parser refuses never reach Fastify's hooks; see client-errors.ts.
    clientErrorHandler: clientErrorHandler(options.logger),
    frameworkErrors,
    http: { requireHostHeader: false },
    ajv: { customOptions: AJV_OPTIONS, plugins: [addNumericFormats] },
  }).withTypeProvider<TypeBoxTypeProvider>();
  jsonBodies(app);
  const catalog = new LiveCatalog({
    registry: options.registry,
    logger: options.logger,
    reserved: (method, path) => routedByGateway(app, method, path),
    resyncMs: options.catalogResyncMs,
  });
  app.server.on("checkExpectation", refuseExpectation);
  app.server.on("connect", refuseConnect);

  // Callback hooks rather than async ones: they run on every request, and each async hook costs
  // Fastify a promise and a turn of the microtask queue.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Before every other hook (auth, rate limits, spans, logs), so they know the catalog route.
  findCatalogRoutes(app, catalog);
  app.addHook("onResponse", (request, reply, done) => {
    const route = routeLabel(request);
    // Probes arrive every few seconds from orchestrators; at info they would drown the traffic.
    const level = PROBES.has(route) ? "debug" : "info";
    if (isLevelEnabled(request.log, level)) {
      const durationMs = Math.round(reply.elapsedTime * 100) / 100;
      request.log[level](
        { method: request.method, route, status: reply.statusCode, durationMs, traceId: requestTraceId(request) },
        `${request.method} ${request.url} ${reply.statusCode} ${durationMs} ms`,
      );
    }
    done();
  });
  observability(app, options.metrics);
  // onRequest and preValidation hooks, registered after the request-id hook so a 401 carries the id.
  if (options.auth !== undefined) app.register(auth(options.auth));
  // A preHandler hook: it runs after authentication's hooks, so it can count per token subject.
  if (options.rateLimit !== undefined) app.register(rateLimit(options.rateLimit));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => answerUnrouted(app, catalog, request, reply));
  const readiness: Readiness = {
    expect: options.expect ?? [],
    problems: () => catalog.table.problems,
    known: () => catalog.services,
    resync: () => catalog.resync(),
  };
  healthRoutes(app, options, readiness);
  rpcRoutes(app, options, () => catalog.services);
  // A new table is a new array, so the document is built once per catalog change.
  apiDocs(app, { routes: () => catalog.table.routes, title: API_TITLE, version: API_VERSION, auth: options.auth?.enabled === true });
  mcpEndpoint(app, { client: options.client, registry: options.registry, catalogs: () => catalog.endpoints, auth: options.auth?.enabled === true, name: API_TITLE, version: API_VERSION });
  dashboard(app, { catalog, registry: options.registry, readiness, metrics: options.breakerMetrics ?? options.metrics });
  serveCatalog(app, options.client, catalog);
  app.addHook("onReady", () => catalog.start());
  app.addHook("onClose", (_app, done) => {
    catalog.close();
    done();
  });
  return app;
}

/** pino's check; a logger without one (Fastify's type allows any) logs everything. */
function isLevelEnabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return check === undefined || check.call(log, level);
}
