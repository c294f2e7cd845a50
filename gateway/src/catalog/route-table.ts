/**
 * The gateway's routes as the catalog declares them, in a router of their own. Fastify cannot
 * add routes once it listens, and the catalog changes while it runs, so the gateway keeps one
 * catch-all route and looks requests up here; a change builds a new table and swaps it in whole,
 * so a request sees one table or the next, never half of one.
 *
 * First come keeps a route: when two services claim the same method and path, the service the
 * gateway learned of first keeps it, and the other claim is a problem, logged and shown on
 * `/ready`, never a silent override.
 */
import FindMyWay from "find-my-way";
import { type Endpoint, MicroError } from "@gw/micro";
import { GATEWAY_ID } from "../errors.js";
import { type Binding, readBinding } from "./binding.js";
import type { Route } from "./route.js";

/** What one service registered, in the order the gateway learned of the services. */
export interface ServiceCatalog {
  readonly service: string;
  readonly endpoints: readonly Endpoint[];
}

/** A route ready to serve. */
export interface ServedRoute extends Route {
  readonly served: Binding;
}

/** The candidates for one method and path: those selected by a query field first. */
interface Slot {
  readonly owner: string;
  readonly pattern: string;
  readonly candidates: ServedRoute[];
}

export interface Match {
  readonly route: ServedRoute;
  readonly params: Readonly<Record<string, string | undefined>>;
}

/** Whether the gateway itself serves `method path` (its probes, `/rpc`, the documents). */
export type Reserved = (method: string, path: string) => boolean;

/** The longest path parameter served, as Fastify's router takes them. */
export const MAX_PARAM_LENGTH = 100;

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export class RouteTable {
  /** Every route served, in catalog order. */
  readonly routes: readonly ServedRoute[];
  /** Claims that were refused: conflicts and bindings that cannot be served, one sentence each. */
  readonly problems: readonly string[];
  // Parameters are matched at any length and then held to MAX_PARAM_LENGTH, so an over-long one
  // is a 414 rather than a 404 that would hide which route it meant.
  private readonly router = FindMyWay({ caseSensitive: true, ignoreTrailingSlash: false, maxParamLength: Number.MAX_SAFE_INTEGER });

  constructor(catalogs: readonly ServiceCatalog[], reserved: Reserved = () => false) {
    const slots = new Map<string, Slot>();
    const routes: ServedRoute[] = [];
    const problems: string[] = [];
    for (const { service, endpoints } of catalogs) {
      for (const endpoint of endpoints) {
        for (const binding of endpoint.metadata.http ?? []) {
          const served = readBinding(endpoint, binding);
          const claim = `${service} ${endpoint.name}: ${String(binding.method)} ${String(binding.path)}`;
          if (typeof served === "string") {
            problems.push(`${claim} is not served: ${served}`);
            continue;
          }
          if (reserved(served.method, served.pattern)) {
            problems.push(`${claim} is not served: the gateway serves that route itself`);
            continue;
          }
          const key = `${served.method} ${served.pattern.replace(/:[A-Za-z0-9_]+/g, ":")}`;
          const slot = slots.get(key);
          const route: ServedRoute = { service, endpoint, binding, served };
          if (slot === undefined) {
            const fresh: Slot = { owner: service, pattern: served.pattern, candidates: [route] };
            try {
              this.router.on(served.method, served.pattern, noop, fresh);
            } catch (error) {
              problems.push(`${claim} is not served: ${error instanceof Error ? error.message : String(error)}`);
              continue;
            }
            slots.set(key, fresh);
          } else if (slot.owner !== service || slot.pattern !== served.pattern || sameSelection(slot, served)) {
            const holder = slot.candidates[0] as ServedRoute;
            problems.push(`${claim} conflicts with ${holder.service} ${holder.endpoint.name}, which keeps the route`);
            continue;
          } else {
            slot.candidates.push(route);
            // The most specific selection first; a binding without `when` is the fallback.
            slot.candidates.sort((a, b) => b.served.when.length - a.served.when.length);
          }
          routes.push(route);
        }
      }
    }
    this.routes = routes;
    this.problems = problems;
  }

  /**
   * The route for a request, or undefined. HEAD is served by GET's route. Among routes sharing a
   * method and path, the first whose `when` fields are all in the query wins; when none does, the
   * most specific, so validation names the field that is missing.
   */
  find(method: string, path: string, query: Readonly<Record<string, unknown>>): Match | undefined {
    const found = this.router.find((method === "HEAD" ? "GET" : method) as Method, path);
    if (found === null) return undefined;
    for (const value of Object.values(found.params)) {
      if (value !== undefined && value.length > MAX_PARAM_LENGTH) throw new MicroError(GATEWAY_ID, 414, "path: a segment is longer than the gateway accepts", { reason: "path_too_long" });
    }
    const slot = found.store as Slot;
    const route = slot.candidates.find((c) => c.served.when.every((f) => query[f] !== undefined)) ?? (slot.candidates[0] as ServedRoute);
    return { route, params: found.params };
  }

  /** The methods this table serves on `path` (HEAD with GET), for a 405's `Allow`. */
  methodsFor(path: string): string[] {
    const methods: string[] = [];
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"] as const) {
      if (this.router.find(method, path) === null) continue;
      methods.push(method);
      if (method === "GET") methods.push("HEAD");
    }
    return methods;
  }
}

function sameSelection(slot: Slot, served: Binding): boolean {
  const key = [...served.when].sort().join(",");
  return slot.candidates.some((c) => [...c.served.when].sort().join(",") === key);
}

function noop(): void {}
