/**
 * Rate limiting configuration from the environment (docs/architecture.md, "Production behaviour"): on by default, in memory
 * unless `REDIS_URL` names a Redis that several gateways share.
 *
 * `RATE_LIMIT` on|off (default on), `RATE_LIMIT_MAX` requests per window per caller (default 100),
 * `RATE_LIMIT_WINDOW_MS` the window (default 1000), `REDIS_URL` a redis:// or rediss:// URL.
 */
import { ConfigError, type EnvReader } from "@gw/micro";

export const DEFAULT_RATE_LIMIT_MAX = 100;
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 1000;

/** Above this a budget is no longer a limit worth the bookkeeping. */
const MAX_RATE_LIMIT_MAX = 1_000_000;
/** One day: a longer window is a quota, which this is not. */
const MAX_WINDOW_MS = 86_400_000;

export const REDIS_PROTOCOLS = ["redis:", "rediss:"] as const;

export interface RateLimitConfig {
  /** False turns limiting off entirely: no hook, no headers. @default true */
  readonly enabled: boolean;
  /** Requests each caller may make per window. @default 100 */
  readonly max: number;
  /**
   * The window, in milliseconds: a whole number of seconds, because the limiter (and Redis key
   * expiry) counts in seconds, and the RateLimit headers speak in seconds.
   * @default 1000
   */
  readonly windowMs: number;
  /**
   * A redis:// or rediss:// URL. When set, budgets live in Redis so every gateway using it shares
   * them; when absent, each gateway counts in its own memory.
   * @default undefined
   */
  readonly redisUrl?: string;
}

/** Reads `RATE_LIMIT`, `RATE_LIMIT_MAX`, `RATE_LIMIT_WINDOW_MS` and `REDIS_URL`; throws `ConfigError`. */
export function readRateLimitConfig(env: EnvReader): RateLimitConfig {
  const enabled = env.bool("RATE_LIMIT", true);
  const max = env.int("RATE_LIMIT_MAX", DEFAULT_RATE_LIMIT_MAX, { min: 1, max: MAX_RATE_LIMIT_MAX });
  const windowMs = env.int("RATE_LIMIT_WINDOW_MS", DEFAULT_RATE_LIMIT_WINDOW_MS, { min: 1000, max: MAX_WINDOW_MS });
  if (windowMs % 1000 !== 0) {
    // A 1500 ms window would silently become 1 s in Redis (it expires keys in whole seconds).
    throw new ConfigError("RATE_LIMIT_WINDOW_MS", "a whole number of seconds in milliseconds (a multiple of 1000)", String(windowMs));
  }
  const redisUrl = env.url("REDIS_URL", REDIS_PROTOCOLS);
  return redisUrl === undefined ? { enabled, max, windowMs } : { enabled, max, windowMs, redisUrl };
}
