/**
 * Rate limiting at the gateway, per caller (docs/architecture.md, "Production behaviour"): `rateLimit(options)` is a Fastify
 * plugin that counts every request but the probes against its caller's budget, answers 429 in
 * go-micro's error shape once it is spent, and tells the caller where it stands in headers.
 *
 * Ordering with authentication: the check runs in `preHandler`, which Fastify runs after every
 * `onRequest`, `preParsing` and `preValidation` hook, whatever the registration order. An
 * authentication hook in any of those has therefore set `request.identity` before the caller's key
 * is chosen. (An authentication hook in `preHandler` too would have to be registered before this
 * plugin, since hooks of one kind run in registration order.) The price: requests that
 * authentication or validation rejects (401, 400, 413) are not counted here.
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { RateLimitConfig } from "./config.js";
import { type Decision, type Policy, rateLimitHeaders, retryAfterSeconds, tooManyRequestsBody } from "./headers.js";
import { callerKey, isExempt } from "./caller.js";
import { type Limiter, createLimiter } from "./limiter.js";
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS } from "./redis.js";

export { readRateLimitConfig, type RateLimitConfig } from "./config.js";
export { EXEMPT_ROUTES, callerKey, requestIdentity, type RequestIdentity } from "./caller.js";

export const DEFAULT_KEY_PREFIX = "gateway:ratelimit";
export const DEFAULT_REDIS_CONNECT_WAIT_MS = 2000;

export interface RateLimitOptions extends RateLimitConfig {
  /** Prefix of every key; gateways share budgets only under the same prefix. @default "gateway:ratelimit" */
  readonly keyPrefix?: string;
  /** Longest wait for one Redis command before the in-memory limiter decides instead. @default 250 */
  readonly redisCommandTimeoutMs?: number;
  /** Longest wait at start for the first Redis connection; the gateway starts either way. @default 2000 */
  readonly redisConnectWaitMs?: number;
}

/**
 * The plugin; with `enabled: false` it adds nothing. It applies to the instance it is registered
 * on rather than in a child context (as fastify-plugin arranges), so register it on the root.
 */
export function rateLimit(options: RateLimitOptions): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    if (!options.enabled) return;
    const policy: Policy = { max: options.max, windowMs: options.windowMs };
    const limiter = createLimiter(
      {
        ...policy,
        keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
        redisCommandTimeoutMs: options.redisCommandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
        ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
      },
      app.log,
    );
    app.addHook("onClose", () => limiter.close());
    const shared = await limiter.ready(options.redisConnectWaitMs ?? DEFAULT_REDIS_CONNECT_WAIT_MS);
    app.log.info({ store: limiter.store, shared, max: policy.max, windowMs: policy.windowMs }, "rate limiting on");
    app.addHook("preHandler", limitRequests(limiter, policy));
  };
  // Fastify's own marker (what fastify-plugin sets): run in the registering instance's context.
  return Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "rate-limit",
  });
}

function limitRequests(limiter: Limiter, policy: Policy) {
  return async function rateLimitHook(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (isExempt(request)) return undefined;
    const decision = await decide(limiter, callerKey(request), request.log);
    if (decision === undefined) return undefined;
    void reply.headers(rateLimitHeaders(policy, decision));
    if (decision.allowed) return undefined;
    // Answered here, not thrown: being limited is an answer, not a failure to log as an error.
    void reply
      .code(429)
      .header("Retry-After", String(retryAfterSeconds(decision)))
      .send(tooManyRequestsBody(policy, decision));
    return reply;
  };
}

/**
 * The limiter's decision, or undefined when it failed outright (its insurance limiter absorbs
 * store outages, so this is a bug): the request then passes unlimited, since limiting protects
 * the backends and must not itself take the API down.
 */
async function decide(limiter: Limiter, key: string, log: FastifyBaseLogger): Promise<Decision | undefined> {
  try {
    return await limiter.consume(key);
  } catch (error) {
    log.error({ err: error }, "rate limiter failed: request passed unlimited");
    return undefined;
  }
}
