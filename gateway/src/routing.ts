/**
 * What an unrouted request gets: 405 with `Allow` when its path has routes for other methods,
 * else 404, both in the error shape. The methods come from the routers themselves, Fastify's for
 * the gateway's own routes and the catalog's table for the services' routes, so any method
 * (TRACE, PROPFIND, MKCOL…) is covered and nothing is listed twice. Such a request reaches no
 * backend, and authorization treats it as public: both answers only restate the API's shape.
 */
import type { FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import { methodNotAllowed, notFound } from "@gw/micro";
import type { App } from "./context.js";
import { GATEWAY_ID } from "./errors.js";

/** How `Allow` orders the usual methods; any other routed method follows, by name. */
const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** The catalog's routes, as far as a 405 needs them. */
export interface RoutedMethods {
  methodsFor(path: string): string[];
}

export function answerUnrouted(app: App, catalog: { readonly table: RoutedMethods }, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split("?")[0] ?? "/";
  const allowed = [...new Set([...ownMethods(app, path), ...catalog.table.methodsFor(path)])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (allowed.length === 0) {
    return reply.code(404).send(notFound(GATEWAY_ID, `no route for ${request.method} ${path}`, { reason: "route_not_found" }).toJSON());
  }
  const allow = allowed.join(", ");
  const error = methodNotAllowed(GATEWAY_ID, `${request.method} is not allowed on ${path}; allowed: ${allow}`, { reason: "method_not_allowed" });
  return reply.code(405).header("allow", allow).send(error.toJSON());
}

/** Whether the gateway itself routes `method` on `path`, the catalog's catch-all aside. */
export function routedByGateway(app: App, method: string, path: string): boolean {
  const found = app.findRoute({ method: method as HTTPMethods, url: path });
  return found !== null && !Object.hasOwn(found.params as object, "*");
}

function ownMethods(app: App, path: string): string[] {
  return app.supportedMethods.filter((method) => routedByGateway(app, method, path));
}

function rank(method: string): number {
  const index = ORDER.indexOf(method);
  return index < 0 ? ORDER.length : index;
}
