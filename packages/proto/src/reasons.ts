/**
 * The application's error reasons: the gateway's own (its HTTP edge, tokens, rate limit) and the
 * services'. The toolkit's reasons (transport, deadlines, validation, breakers, the database) are
 * in its own table, MICRO_REASONS; merging this one into `ErrorReasons` lets the error
 * constructors take these too, and a misspelt one fails to compile.
 */
import type { ReasonEntry } from "@gw/micro";

export const APP_REASONS = {
  // The gateway's HTTP edge.
  body_required: { status: [400], meaning: "the route takes a JSON body and none came" },
  unsupported_media_type: { status: [415], meaning: "the body is not `application/json`" },
  malformed_request: { status: [400], meaning: "the request is not valid HTTP/1.1: a method HTTP does not define, a malformed request line or framing" },
  invalid_path: { status: [400], meaning: "the path is not valid percent-encoding" },
  path_too_long: { status: [414], meaning: "a path segment is longer than the gateway accepts" },
  headers_too_large: { status: [431], meaning: "the headers exceed the limit" },
  request_timeout: { status: [408], meaning: "the request was not received in time" },
  expectation_unsupported: { status: [417], meaning: "an `Expect` other than 100-continue" },
  service_not_found: { status: [404], meaning: "`/rpc` names a service that has no node" },
  invalid_idempotency_key: { status: [400], meaning: "`Idempotency-Key` is not 1 to 255 visible ASCII characters" },

  // Tokens, rules and the rate limit.
  token_required: { status: [401], meaning: "the route needs a Bearer token and none came" },
  token_invalid: { status: [401], meaning: "the token is malformed, forged, expired or not for this gateway; `WWW-Authenticate` says why" },
  token_keys_unavailable: { status: [503], meaning: "the keys that verify tokens cannot be fetched; retry later" },
  forbidden: { status: [403], meaning: "the token's subject may not do this (another user's data, an admin's route)" },
  rate_limited: { status: [429], meaning: "over the rate limit; `Retry-After` says when to come back" },

  // Users and products.
  nothing_to_update: { status: [400], meaning: "a PATCH body with none of the fields it may change" },

  // Users.
  user_not_found: { status: [404, 422], meaning: "no user has this id; 422 when an order names one" },
  email_taken: { status: [409], meaning: "another user has this email (compared without case)" },

  // Products.
  product_not_found: { status: [404, 422], meaning: "no product has this id; 422 when an order names one" },

  // Orders.
  order_not_found: { status: [404], meaning: "no order has this id that the caller may see" },
  order_not_cancellable: { status: [409], meaning: "the order is not pending, so it cannot be cancelled" },
  idempotency_key_reused: { status: [409], meaning: "this `Idempotency-Key` came before with a different order" },
  user_id_required: { status: [403], meaning: "a user lists orders only with `user_id`, their own" },
} as const satisfies Readonly<Record<string, ReasonEntry>>;

export type AppReason = keyof typeof APP_REASONS;

type AppReasonTable = typeof APP_REASONS;

declare module "@gw/micro" {
  interface ErrorReasons extends AppReasonTable {}
}
