/**
 * The counting, with rate-limiter-flexible: in this process's memory, or in Redis with an
 * in-memory insurance limiter.
 *
 * The algorithm is a fixed window per caller: the first request starts the caller's window of
 * `windowMs`, every request in it takes one point, and the budget is whole again when it ends
 * (a key that expires, in memory or in Redis). That is what the library does; it lets a caller
 * make up to 2×max requests across a window boundary, which is acceptable for abuse protection.
 *
 * With Redis, an outage must not fail requests: rate-limiter-flexible sends a consume that the
 * store rejects (not a limit, an error) to `insuranceLimiter`, here a RateLimiterMemory with the
 * same budget. Limits are then per gateway until Redis returns; the counts made meanwhile are not
 * copied back, so a caller may get a fresh budget at each switch.
 */
import type { FastifyBaseLogger } from "fastify";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Decision, Policy } from "./headers.js";
import { RedisConnection } from "./redis.js";

export interface LimiterOptions extends Policy {
  /** Namespaces the keys, so limiters (and tests) sharing one Redis do not share budgets. */
  readonly keyPrefix: string;
  /** When set, budgets are counted in this Redis. */
  readonly redisUrl?: string;
  readonly redisCommandTimeoutMs: number;
}

export interface Limiter {
  /** Where budgets are counted: "redis" even while the insurance limiter stands in. */
  readonly store: "memory" | "redis";
  /** Takes one request from `key`'s budget. */
  consume(key: string): Promise<Decision>;
  /** Resolves true when the store is usable for shared limits, waiting up to `waitMs`. */
  ready(waitMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createLimiter(options: LimiterOptions, log: FastifyBaseLogger): Limiter {
  const budget = { points: options.max, duration: options.windowMs / 1000, keyPrefix: options.keyPrefix };
  if (options.redisUrl === undefined) {
    const memory = new RateLimiterMemory(budget);
    return {
      store: "memory",
      consume: (key) => consumeOne(memory, key),
      ready: async () => true,
      close: async () => undefined,
    };
  }
  const connection = new RedisConnection({ url: options.redisUrl, commandTimeoutMs: options.redisCommandTimeoutMs }, log);
  const redis = new RateLimiterRedis({
    ...budget,
    storeClient: connection.client,
    // While the client is not connected, go to the insurance limiter without calling Redis at all.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(budget),
  });
  return {
    store: "redis",
    consume: (key) => consumeOne(redis, key),
    ready: (waitMs) => connection.ready(waitMs),
    close: () => connection.close(),
  };
}

/**
 * The library resolves with the state when a point was taken and rejects with a RateLimiterRes
 * when the budget is spent; any other rejection is a store failure the insurance limiter did not
 * absorb, and is passed on.
 */
async function consumeOne(limiter: RateLimiterAbstract, key: string): Promise<Decision> {
  try {
    const res = await limiter.consume(key);
    return { allowed: true, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, remaining: 0, resetMs: rejection.msBeforeNext };
    throw rejection;
  }
}
