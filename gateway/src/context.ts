/**
 * What route modules share: the typed client for the three backends, and how a request's
 * identity becomes call metadata.
 */
import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { CallOptions, Client, Registry } from "@gw/micro";
import { REQUEST_ID } from "@gw/micro";
import type { orders, products, users } from "@gw/proto";

export type Contracts = readonly [typeof users, typeof products, typeof orders];
export type GatewayClient = Client<Contracts>;

export const BACKENDS = ["users", "products", "orders"] as const;

export interface GatewayDeps {
  readonly client: GatewayClient;
  readonly registry: Registry;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export function callOptions(request: { id: string }): CallOptions {
  return { metadata: { [REQUEST_ID]: request.id } };
}
