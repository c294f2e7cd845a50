/**
 * Builds the gateway's Fastify app: request ids, the contract's routes, 404 and 405 in the
 * error shape, and one log line per request. Listening is left to the caller, so tests can
 * `inject()` or bind port 0.
 */
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { AJV_OPTIONS, type Metrics, addNumericFormats, methodNotAllowed, notFound } from "@gw/micro";
import type { App, GatewayDeps } from "./context.js";
import { clientErrorHandler } from "./client-errors.js";
import { GATEWAY_ID, errorHandler } from "./errors.js";
import { jsonBodies } from "./json-body.js";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id.js";
import { type AuthConfig, auth } from "./auth/index.js";
import { type RateLimitOptions, rateLimit } from "./ratelimit/index.js";
import { observability, traceIdOf } from "./observability.js";
import { healthRoutes } from "./routes/health.js";
import { orderRoutes } from "./routes/orders.js";
import { productRoutes } from "./routes/products.js";
import { rpcRoutes } from "./routes/rpc.js";
import { userRoutes } from "./routes/users.js";

/** DESIGN.md section 2: request bodies are limited to 1 MiB. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const PROBES = new Set(["/health", "/ready"]);

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export interface GatewayOptions extends GatewayDeps {
  readonly logger: FastifyBaseLogger;
  /** Prometheus instruments and `/metrics`; absent: neither (tracing still runs). */
  readonly metrics?: Metrics | undefined;
  /** Per-caller rate limiting (gateway/src/ratelimit); absent or `enabled: false`: none. */
  readonly rateLimit?: RateLimitOptions;
  /** Bearer JWT authentication and the rule table (gateway/src/auth); absent or `enabled: false`: none. */
  readonly auth?: AuthConfig;
}

export function buildGateway(options: GatewayOptions): App {
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request is written by the onResponse hook below, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    requestIdHeader: false,
    genReqId: requestIdOf,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Requests the HTTP parser refuses never reach Fastify's hooks; see client-errors.ts.
    clientErrorHandler: clientErrorHandler(options.logger),
    ajv: { customOptions: AJV_OPTIONS, plugins: [addNumericFormats] },
  }).withTypeProvider<TypeBoxTypeProvider>();
  jsonBodies(app);

  // Callback hooks rather than async ones: they run on every request, and each async hook costs
  // Fastify a promise and a turn of the microtask queue.
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unknown";
    // Probes arrive every few seconds from orchestrators; at info they would drown the traffic.
    const level = PROBES.has(route) ? "debug" : "info";
    if (isLevelEnabled(request.log, level)) {
      const durationMs = Math.round(reply.elapsedTime * 100) / 100;
      request.log[level](
        { method: request.method, route, status: reply.statusCode, durationMs, traceId: traceIdOf(request) },
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
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    void reply.code(404).send(notFound(GATEWAY_ID, `no route for ${request.method} ${path}`).toJSON());
  });

  const known = collectMethods(app);
  for (const routes of [healthRoutes, userRoutes, productRoutes, orderRoutes, rpcRoutes]) routes(app, options);
  app.register(async (instance) => answerWrongMethods(instance as unknown as App, known));
  return app;
}

/** pino's check; a logger without one (Fastify's type allows any) logs everything. */
function isLevelEnabled(log: FastifyBaseLogger, level: string): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  return check === undefined || check.call(log, level);
}

/** Records, per path, the methods that have a route. */
function collectMethods(app: App): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = known.get(route.url) ?? new Set<string>();
    for (const m of methods) set.add(m);
    known.set(route.url, set);
  });
  return known;
}

/** A wrong method on a known path is a 405 with `Allow`, not a 404. */
function answerWrongMethods(app: App, known: Map<string, Set<string>>): void {
  for (const [url, methods] of [...known]) {
    const others = METHODS.filter((m) => !methods.has(m));
    if (others.length === 0) continue;
    const allow = METHODS.filter((m) => methods.has(m)).join(", ");
    app.route({
      method: others,
      url,
      // A 405 reaches no backend and tells only what the contract already says: no token needed.
      config: { auth: "public" },
      handler: async (request, reply) => {
        void reply.header("allow", allow).code(405);
        return methodNotAllowed(GATEWAY_ID, `${request.method} is not allowed on ${url}; allowed: ${allow}`).toJSON();
      },
    });
  }
}
