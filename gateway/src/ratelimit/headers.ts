/**
 * The headers a limited response carries, and the 429 body.
 *
 * IETF draft-ietf-httpapi-ratelimit-headers, structured-field form, one policy named "default":
 *   RateLimit-Policy: "default";q=<max>;w=<window seconds>
 *   RateLimit: "default";r=<remaining>;t=<seconds until the window resets>
 * and, because most clients still read them, the older de-facto trio:
 *   X-RateLimit-Limit: <max>
 *   X-RateLimit-Remaining: <remaining>
 *   X-RateLimit-Reset: <seconds until the window resets>  (a delta, as t=, not an epoch time)
 * A 429 adds `Retry-After: <whole seconds, at least 1>`.
 */
import { type WireError, tooManyRequests } from "@gw/micro";
import { GATEWAY_ID } from "../errors.js";

/** The policy's name in both structured headers; one policy, so one name. */
export const POLICY_NAME = "default";

/** What the limiter decided for one request. */
export interface Decision {
  readonly allowed: boolean;
  /** Requests left in the caller's current window (0 once it is spent). */
  readonly remaining: number;
  /** Milliseconds until the caller's window ends and the budget is whole again. */
  readonly resetMs: number;
}

/** The budget the headers describe. */
export interface Policy {
  readonly max: number;
  readonly windowMs: number;
}

/** Whole seconds until reset, rounded up so a client that waits that long finds the budget back. */
export function secondsUntilReset(decision: Decision): number {
  return Math.max(0, Math.ceil(decision.resetMs / 1000));
}

/** Retry-After must be a positive integer: 0 would invite an immediate retry into the same window. */
export function retryAfterSeconds(decision: Decision): number {
  return Math.max(1, secondsUntilReset(decision));
}

/** The five headers every limited response carries, names as sent. */
export function rateLimitHeaders(policy: Policy, decision: Decision): Record<string, string> {
  const remaining = Math.max(0, decision.remaining);
  const reset = secondsUntilReset(decision);
  return {
    "RateLimit-Policy": `"${POLICY_NAME}";q=${policy.max};w=${policy.windowMs / 1000}`,
    RateLimit: `"${POLICY_NAME}";r=${remaining};t=${reset}`,
    "X-RateLimit-Limit": String(policy.max),
    "X-RateLimit-Remaining": String(remaining),
    "X-RateLimit-Reset": String(reset),
  };
}

/** The 429 body in go-micro's shape; the detail says the budget and when to come back. */
export function tooManyRequestsBody(policy: Policy, decision: Decision): WireError {
  const detail =
    `rate limit exceeded: ${policy.max} requests per ${policy.windowMs / 1000} s; ` +
    `retry in ${retryAfterSeconds(decision)} s`;
  return tooManyRequests(GATEWAY_ID, detail, { reason: "rate_limited" }).toJSON();
}
