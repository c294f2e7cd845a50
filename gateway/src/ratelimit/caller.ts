/**
 * Who a request counts against: the authenticated caller when there is one, else its address;
 * and which requests count against nobody.
 *
 * Authentication (gateway/src/auth/) decorates requests with `identity`; this module does not
 * declare that property, so it reads it defensively as an optional, unknown-shaped value and works
 * the same whether authentication is installed, off, or not written yet.
 */
import type { FastifyRequest } from "fastify";

/** What authentication puts on a request: the token's `sub` and `roles`. */
export interface RequestIdentity {
  readonly sub: string;
  readonly roles: readonly string[];
}

/** The request's authenticated identity, or undefined when there is none (or it is malformed). */
export function requestIdentity(request: FastifyRequest): RequestIdentity | undefined {
  const value: unknown = (request as FastifyRequest & { identity?: unknown }).identity;
  if (typeof value !== "object" || value === null) return undefined;
  const { sub, roles } = value as { sub?: unknown; roles?: unknown };
  if (typeof sub !== "string" || sub === "") return undefined;
  const list = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  return { sub, roles: list };
}

/**
 * `user:<sub>` for an authenticated caller, so one user has one budget from any address (and
 * users behind one NAT do not share theirs); `ip:<address>` otherwise. The prefixes keep a `sub`
 * that looks like an address from sharing that address's budget.
 *
 * `request.ip` is the socket's peer unless Fastify's `trustProxy` is set; behind a load balancer
 * it must be, or every anonymous caller shares the balancer's budget.
 */
export function callerKey(request: FastifyRequest): string {
  const identity = requestIdentity(request);
  return identity === undefined ? `ip:${request.ip}` : `user:${identity.sub}`;
}

/** Liveness, readiness and metrics are polled by machines and must answer whatever a caller spent. */
export const EXEMPT_ROUTES: ReadonlySet<string> = new Set(["/health", "/ready", "/metrics"]);

/**
 * Decided by the matched route, not the raw URL, so `/health?x` and `HEAD /health` are exempt, and
 * an unknown path (a 404) is counted like any other request.
 */
export function isExempt(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && EXEMPT_ROUTES.has(route);
}
