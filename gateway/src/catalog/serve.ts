/**
 * Serves the live catalog: one catch-all Fastify route, and a hook that finds the request's
 * catalog route before anything else looks at the request, so authentication, rate limits, logs,
 * metrics and spans all see the route pattern (`/users/:id`) as they would a Fastify route's.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { type Metadata, badRequest } from "@gw/micro";
import { IDEMPOTENCY_KEY } from "@gw/proto";
import { type App, callOptions, forward } from "../context.js";
import { GATEWAY_ID } from "../errors.js";
import { answerUnrouted } from "../routing.js";
import { callRequest, rawFields } from "./call-request.js";
import type { LiveCatalog } from "./live-catalog.js";
import type { Match } from "./route-table.js";
import type { GatewayClient } from "../context.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The catalog route of a request that reached the catch-all, when the catalog has one. */
    catalogMatch?: Match;
    /** The request's fields before validation, once read (the auth rule and the call share them). */
    catalogFields?: Record<string, unknown>;
  }
}

/** The catch-all's url, which marks a request as the catalog's. */
export const CATALOG_ROUTE = "*";
const CATALOG_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** Registers the hook that finds catalog routes; call it before any other onRequest hook. */
export function findCatalogRoutes(app: App, catalog: LiveCatalog): void {
  app.decorateRequest("catalogMatch", undefined);
  app.decorateRequest("catalogFields", undefined);
  app.addHook("onRequest", (request, _reply, done) => {
    if (request.routeOptions.url !== CATALOG_ROUTE) return done();
    try {
      request.catalogMatch = catalog.table.find(request.method, pathOf(request.url), request.query as Record<string, unknown>);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}

/** The catch-all route that serves every catalog route. */
export function serveCatalog(app: App, client: GatewayClient, catalog: LiveCatalog): void {
  app.route({
    method: CATALOG_METHODS,
    url: CATALOG_ROUTE,
    handler: async (request, reply) => {
      const match = request.catalogMatch;
      if (match === undefined) return answerUnrouted(app, catalog, request, reply);
      const fields = catalogFieldsOf(request);
      const call = callRequest(match, fields);
      const { route } = match;
      const options = callOptions(request);
      const key = route.endpoint.metadata.idempotencyKey === true ? idempotencyKey(request.headers["idempotency-key"]) : undefined;
      const metadata: Metadata = key === undefined ? (options.metadata ?? {}) : { ...options.metadata, [IDEMPOTENCY_KEY]: key };
      // With a key, the service answers a repeat with the first result: safe to retry on another node.
      const idempotent = route.endpoint.metadata.idempotent === true || key !== undefined;
      const answer = client.forward(route.service, route.endpoint.name, call, { ...options, metadata, idempotent });
      if (!route.served.hasBody) {
        await answer;
        return reply.code(route.served.status).send();
      }
      return forward(reply, answer, route.served.status);
    },
  });
}

/** The request's fields as they arrived: read once, for the auth rule and then the call. */
export function catalogFieldsOf(request: FastifyRequest): Record<string, unknown> {
  if (request.catalogFields === undefined) {
    const match = request.catalogMatch;
    if (match === undefined) throw new Error("catalogFieldsOf: the request has no catalog route");
    request.catalogFields = rawFields(match, { query: request.query, body: request.body });
  }
  return request.catalogFields;
}

/** The label of the request's route in logs, metrics and spans: its pattern, never the raw URL. */
export function routeLabel(request: FastifyRequest): string {
  const match = request.catalogMatch;
  if (match !== undefined) return match.route.served.pattern;
  const url = request.routeOptions.url;
  return url === undefined || url === CATALOG_ROUTE ? "unknown" : url;
}

function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** Visible ASCII, as the IETF Idempotency-Key draft and Stripe take it; bounded so it fits a key column. */
const KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !KEY.test(value)) {
    throw badRequest(GATEWAY_ID, "idempotency-key: must be 1 to 255 visible ASCII characters", { reason: "invalid_idempotency_key" });
  }
  return value;
}

