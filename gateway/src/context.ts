/**
 * What the gateway's route modules share: its client, which calls whatever the catalog names, and
 * how a request's identity becomes call metadata.
 */
import type { FastifyReply, FastifyRequest, FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { CallOptions, Client, Registry } from "@gw/micro";
import { REQUEST_ID } from "@gw/micro";
import { accountOf } from "./auth/identity.js";
import { withTrace } from "./observability.js";

/** Untyped: the gateway learns the services it calls from the registry, at run time. */
export type GatewayClient = Client<readonly []>;

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

/**
 * The options of a call made for `request`: its request id and trace, and, when the gateway
 * verified a token, the caller's account, for which the call's credential is signed.
 */
export function callOptions(request: FastifyRequest): CallOptions {
  return { metadata: withTrace(request, { [REQUEST_ID]: request.id }), account: accountOf(request.identity) };
}

/**
 * Sends a service's encoded JSON answer as the response body, byte for byte: the gateway adds
 * nothing to it, so decoding and re-encoding it would be wasted work on every request.
 */
export async function forward(reply: FastifyReply, answer: Promise<Uint8Array>, status = 200): Promise<FastifyReply> {
  const body = await answer;
  return reply.code(status).type("application/json; charset=utf-8").send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}
