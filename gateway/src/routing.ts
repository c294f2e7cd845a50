/**
 * What an unrouted request gets: 405 with `Allow` when its path has routes for other methods,
 * else 404, both in the error shape. The not-found handler asks Fastify's router which methods
 * match the path, so any method (TRACE, PROPFIND, MKCOL…, which Fastify does not route unless told
 * to) is covered, and so is every route, however and whenever it was added: nothing is listed
 * twice. Such a request reaches no backend, and the auth rules treat the not-found handler as
 * public: both answers only restate the API's shape.
 */
import type { HTTPMethods } from "fastify";
import { methodNotAllowed, notFound } from "@gw/micro";
import type { App } from "./context.js";
import { GATEWAY_ID } from "./errors.js";

/** How `Allow` orders the usual methods; any other routed method follows, by name. */
const ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

export function answerUnrouted(app: App): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = methodsRouted(app, path);
    if (allowed.length === 0) {
      return reply.code(404).send(notFound(GATEWAY_ID, `no route for ${request.method} ${path}`, { reason: "route_not_found" }).toJSON());
    }
    const allow = allowed.join(", ");
    const error = methodNotAllowed(GATEWAY_ID, `${request.method} is not allowed on ${path}; allowed: ${allow}`, { reason: "method_not_allowed" });
    return reply.code(405).header("allow", allow).send(error.toJSON());
  });
}

/** The methods with a route for `path`, in `Allow` order. */
function methodsRouted(app: App, path: string): string[] {
  const routed = app.supportedMethods.filter((method) => app.findRoute({ method: method as HTTPMethods, url: path }) !== null);
  return routed.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(method: string): number {
  const index = ORDER.indexOf(method);
  return index < 0 ? ORDER.length : index;
}
