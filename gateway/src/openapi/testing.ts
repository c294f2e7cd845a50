/**
 * The real contracts as the gateway routes them: each contract's endpoints as its nodes register
 * them, through the same route table the gateway builds, for the tests of the OpenAPI document
 * and `/docs`.
 */
import { endpointsOf } from "@gw/micro";
import { orders, products, users } from "@gw/proto";
import type { Route } from "../catalog/route.js";
import { RouteTable } from "../catalog/route-table.js";

export function contractRoutes(): Route[] {
  return [...new RouteTable([users, products, orders].map((c) => ({ service: c.name, endpoints: endpointsOf(c) }))).routes];
}
