/**
 * The gateway's authentication and authorization, as one Fastify plugin: `auth(config)`.
 *
 * Order of checks, and why:
 * - Routing comes first (Fastify's), so an unknown route is a 404 and a wrong method a 405
 *   with or without a token, as in Kong: neither reaches a backend, and the API is public.
 * - `onRequest` authenticates, before the body is read: a caller without a valid token cannot
 *   make the gateway buffer and parse a 1 MiB body, and gets 401 rather than 400 or 413.
 * - `preValidation` authorizes, after the body is parsed but before schema validation, so the
 *   rule can see `user_id` in a body and no later `preHandler` (idempotency replay, say) ever
 *   runs for a forbidden request. Rules therefore meet raw input and treat anything that is not
 *   plainly an id as matching no one (see `canonicalId`): a non-admin gets 403, not 400, for a
 *   body that would fail validation anyway.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { forbidden, unauthorized, unavailable } from "@gw/micro";
import { GATEWAY_ID } from "../errors.js";
import { type AuthConfig, CLOCK_TOLERANCE_SEC } from "./config.js";
import { CATALOG_ROUTE, catalogFieldsOf } from "../catalog/serve.js";
import { type Rule, authorize, ruleFrom } from "./rules.js";
import { cachedVerifier } from "./token-cache.js";
import { type Verifier, createVerifier } from "./verify.js";

export * from "./config.js";
export * from "./identity.js";
export { type Check, type Rule, type Verdict, authorize, canonicalId, ruleFrom } from "./rules.js";
export { type Verification, type Verifier, createVerifier } from "./verify.js";

/** RFC 6750 section 3: the realm the gateway's challenges name. */
export const REALM = "gateway";

/**
 * The auth plugin. Registered without encapsulation (Fastify's `skip-override`), so its hooks
 * cover every route of the app. With `enabled: false` it adds nothing at all.
 */
export function auth(config: AuthConfig): FastifyPluginCallback {
  const plugin: FastifyPluginCallback = (app, _options, done) => {
    if (config.enabled) {
      const verify = cachedVerifier(createVerifier(config), { clockToleranceSec: config.clockToleranceSec ?? CLOCK_TOLERANCE_SEC });
      app.decorateRequest("identity", undefined);
      app.addHook("onRequest", (request, reply) => authenticate(verify, request, reply));
      app.addHook("preValidation", (request, reply) => authorizeRequest(request, reply));
    }
    done();
  };
  return Object.assign(plugin, { [Symbol.for("skip-override")]: true });
}

/**
 * The rule for this request: its catalog endpoint's, or its gateway route's. A request no route
 * serves is public: it gets a 404 or 405 and reaches no backend.
 */
function ruleFor(request: FastifyRequest): Rule {
  const url = request.routeOptions.url;
  if (url === undefined) return "public";
  if (url === CATALOG_ROUTE) {
    const match = request.catalogMatch;
    return match === undefined ? "public" : ruleFrom(match.route.endpoint.metadata.auth);
  }
  // A route declaring no rule is admin only: forgetting a rule must not open a route.
  return ruleFrom(request.routeOptions.config.auth);
}

async function authenticate(verify: Verifier, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (ruleFor(request) === "public") return undefined;
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) return challenge(reply, "a Bearer token is required");
  if (token === "") return challenge(reply, "the Authorization header is malformed", "the Bearer token is malformed");
  const result = await verify(token);
  if (result.ok) {
    request.identity = result.identity;
    return undefined;
  }
  if (result.kind === "unavailable") {
    request.log.warn({ cause: describe(result.cause) }, "cannot fetch the token verification keys");
    return reply.code(503).send(unavailable(GATEWAY_ID, "token verification keys are unavailable", { reason: "token_keys_unavailable" }).toJSON());
  }
  request.log.debug({ reason: result.description }, "token rejected");
  return challenge(reply, result.description, result.description);
}

async function authorizeRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const rule = ruleFor(request);
  if (rule === "public") return undefined;
  const identity = request.identity;
  // Unreachable while `authenticate` runs first; answering 401 keeps a slip from opening a route.
  if (identity === undefined) return challenge(reply, "a Bearer token is required");
  const fields = request.catalogMatch === undefined ? undefined : catalogFieldsOf(request);
  const verdict = authorize(identity, rule, fields);
  if (verdict.allowed) return undefined;
  void reply.header("www-authenticate", `Bearer realm="${REALM}", error="insufficient_scope"`);
  return reply.code(403).send(forbidden(GATEWAY_ID, verdict.reason, { reason: "forbidden" }).toJSON());
}

/**
 * The token of an `Authorization: Bearer` header: undefined when there is no such header (or
 * another scheme), "" when the Bearer credentials are not a token (RFC 6750 section 2.1).
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer(?: +(.*))?$/i.exec(header.trim());
  if (match === null) return undefined;
  const token = match[1] ?? "";
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(token) ? token : "";
}

/**
 * A 401 with RFC 6750's challenge. A request without credentials gets no error code (section
 * 3.1); a bad token gets `invalid_token` and a description, which is ours, never jose's.
 */
function challenge(reply: FastifyReply, detail: string, description?: string): FastifyReply {
  const params = [`realm="${REALM}"`];
  if (description !== undefined) params.push(`error="invalid_token"`, `error_description="${description}"`);
  void reply.header("www-authenticate", `Bearer ${params.join(", ")}`);
  // No credentials at all is the one case a client fixes by sending a token; any other is the token's.
  const reason = description === undefined ? "token_required" : "token_invalid";
  return reply.code(401).send(unauthorized(GATEWAY_ID, detail, { reason }).toJSON());
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
