/**
 * Verified tokens, remembered: a client sends the same token on every request until it expires,
 * and verifying its signature again each time was the largest cost in the gateway's production
 * profile (WebCrypto HMAC, a key import and a thread-pool hop per request). Envoy's jwt_authn keeps
 * such a cache too. The key is the whole token, signature included, so only a token that verified
 * can hit; each hit re-checks `exp` and `nbf` (with the clock tolerance) against the time of use.
 * Failures are never cached. An entry also ends after `maxAgeMs`, so a token verified against a
 * JWKS key that has since been rotated out is not trusted for longer than the key set is.
 */
import type { Identity } from "./identity.js";
import type { Verification, Verifier } from "./verify.js";

export interface TokenCacheOptions {
  /** Entries kept; the oldest goes first. @default 10000 */
  readonly maxEntries?: number;
  /** How long an entry may be used at most, whatever the token's `exp`. @default 600000 */
  readonly maxAgeMs?: number;
  readonly clockToleranceSec: number;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;
export const DEFAULT_TOKEN_CACHE_MAX_AGE_MS = 10 * 60_000;

interface Entry {
  readonly identity: Identity;
  /** Epoch ms from which the token may be used, tolerance applied. */
  readonly from: number;
  /** Epoch ms until which it may be used: its expiry plus tolerance, or the entry's max age. */
  readonly until: number;
}

/** `verify`, answering from memory for a token it already verified and that is still in date. */
export function cachedVerifier(verify: Verifier, options: TokenCacheOptions): Verifier {
  const maxEntries = options.maxEntries ?? DEFAULT_TOKEN_CACHE_ENTRIES;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_TOKEN_CACHE_MAX_AGE_MS;
  const toleranceMs = options.clockToleranceSec * 1000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return async (token) => {
    const at = now();
    const entry = entries.get(token);
    if (entry !== undefined) {
      if (at >= entry.from && at <= entry.until) return { ok: true, identity: entry.identity };
      // Out of date now: verified afresh, so the answer (expired, say) is jose's own.
      entries.delete(token);
    }
    const result: Verification = await verify(token);
    if (!result.ok) return result;
    const { expiresAt, notBefore } = result;
    const until = Math.min(at + maxAgeMs, expiresAt === undefined ? Number.POSITIVE_INFINITY : expiresAt + toleranceMs);
    const from = notBefore === undefined ? Number.NEGATIVE_INFINITY : notBefore - toleranceMs;
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(token, { identity: result.identity, from, until });
    return result;
  };
}
