/**
 * Token verification with jose: the signature against the configured key with the algorithms
 * pinned per key kind, then `exp`/`nbf` (with a little clock tolerance), `iss` and `aud` when
 * configured, then the claims the gateway needs (`sub`, `roles`). A failure is described in
 * words of our own; jose's messages, and the token, never reach a client.
 */
import { type KeyObject, createSecretKey } from "node:crypto";
import { type JWTVerifyGetKey, createRemoteJWKSet, errors, jwtVerify } from "jose";
import { CLOCK_TOLERANCE_SEC, DEFAULT_MAX_TOKEN_LIFETIME_SEC, JWKS_ALGORITHMS, SECRET_ALGORITHMS, type AuthConfig } from "./config.js";
import { type Identity, claimsProblem, identityOf } from "./identity.js";

/** How long a JWKS fetch may take before the request fails with 503. */
export const JWKS_TIMEOUT_MS = 5_000;
/** After a fetch, how long an unknown `kid` waits before it may trigger another (key rotation). */
export const JWKS_COOLDOWN_MS = 30_000;
/** How long fetched keys are used before they are fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

export type Verification =
  /** `expiresAt` and `notBefore`: the token's `exp` and `nbf` in epoch ms, when it has them. */
  | { readonly ok: true; readonly identity: Identity; readonly expiresAt?: number; readonly notBefore?: number }
  /** The token is at fault: a 401 with `error="invalid_token"` and this description. */
  | { readonly ok: false; readonly kind: "invalid"; readonly description: string }
  /** The keys could not be fetched: the token may be fine, so a 503, not a 401. */
  | { readonly ok: false; readonly kind: "unavailable"; readonly cause: unknown };

export type Verifier = (token: string) => Promise<Verification>;

type Enabled = Extract<AuthConfig, { enabled: true }>;

export interface VerifierOptions {
  /** The clock `exp`, `nbf` and the lifetime are checked against, epoch ms; tests pass a manual one. @default Date.now */
  readonly now?: () => number;
}

/** A verifier for `config`; for a JWKS it holds one key cache for the gateway's life. */
export function createVerifier(config: Enabled, verifierOptions: VerifierOptions = {}): Verifier {
  const now = verifierOptions.now ?? Date.now;
  const key: KeyObject | JWTVerifyGetKey =
    config.key.kind === "secret"
      ? // Made once: given the bytes, jose would import a key for every token.
        createSecretKey(config.key.secret)
      : createRemoteJWKSet(new URL(config.key.url), {
          timeoutDuration: JWKS_TIMEOUT_MS,
          cooldownDuration: JWKS_COOLDOWN_MS,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        });
  const clockToleranceSec = config.clockToleranceSec ?? CLOCK_TOLERANCE_SEC;
  const maxLifetimeSec = config.maxTokenLifetimeSec ?? DEFAULT_MAX_TOKEN_LIFETIME_SEC;
  const options = {
    algorithms: [...(config.key.kind === "secret" ? SECRET_ALGORITHMS : JWKS_ALGORITHMS)],
    clockTolerance: clockToleranceSec,
    // A token that never expires is good forever once stolen.
    requiredClaims: ["exp"],
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
  };
  const remote = config.key.kind === "jwks";
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      payload = (await jwtVerify(token, key, verifierOptions.now === undefined ? options : { ...options, currentDate: new Date(now()) })).payload;
    } catch (error) {
      return failure(error, remote);
    }
    const problem = claimsProblem(payload) ?? lifetimeProblem(payload, maxLifetimeSec + clockToleranceSec, now());
    if (problem !== undefined) return { ok: false, kind: "invalid", description: problem };
    return { ok: true, identity: identityOf(payload), ...epochMs("expiresAt", payload.exp), ...epochMs("notBefore", payload.nbf) };
  };
}

/** Why a verified token lives too long: `exp` too far ahead of now, or of its own `iat`. */
function lifetimeProblem(payload: Record<string, unknown>, maxSec: number, nowMs: number): string | undefined {
  const exp = payload.exp as number;
  const nowSec = nowMs / 1000;
  const tooLong = exp - nowSec > maxSec || (typeof payload.iat === "number" && exp - payload.iat > maxSec);
  return tooLong ? "the token's lifetime exceeds the maximum this gateway accepts" : undefined;
}

/** A NumericDate claim (seconds) as `{ [name]: epoch ms }`, or nothing when it is absent. */
function epochMs(name: "expiresAt" | "notBefore", seconds: unknown): Record<string, number> {
  return typeof seconds === "number" && Number.isFinite(seconds) ? { [name]: seconds * 1000 } : {};
}

/** What the client is told for each way a token can be wrong, keyed by jose's error codes. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ERR_JWT_EXPIRED: "the token has expired",
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "the token's signature is invalid",
  ERR_JOSE_ALG_NOT_ALLOWED: "the token's signing algorithm is not accepted",
  ERR_JOSE_NOT_SUPPORTED: "the token uses a feature that is not supported",
  ERR_JWS_INVALID: "the token is malformed",
  ERR_JWT_INVALID: "the token is malformed",
  ERR_JWKS_NO_MATCHING_KEY: "no known key matches the token",
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: "the token does not name its key (kid)",
};

const CLAIM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  exp: "the token has no valid expiry (exp)",
  nbf: "the token is not valid yet",
  iat: "the token's issue time is invalid",
  iss: "the token's issuer is not accepted",
  aud: "the token's audience is not accepted",
};

/** Codes that mean the key source failed, not the token. */
const KEY_SOURCE_FAILURES = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JWK_INVALID", "ERR_JOSE_GENERIC"]);

function failure(error: unknown, remote: boolean): Verification {
  if (error instanceof errors.JWTClaimValidationFailed) {
    return { ok: false, kind: "invalid", description: CLAIM_DESCRIPTIONS[error.claim] ?? "the token's claims are invalid" };
  }
  if (error instanceof errors.JOSEError) {
    const description = DESCRIPTIONS[error.code];
    if (description !== undefined) return { ok: false, kind: "invalid", description };
    if (remote && KEY_SOURCE_FAILURES.has(error.code)) return { ok: false, kind: "unavailable", cause: error };
    return { ok: false, kind: "invalid", description: "the token is invalid" };
  }
  // A fetch that failed below jose (connection refused, DNS) surfaces as a plain error.
  if (remote) return { ok: false, kind: "unavailable", cause: error };
  throw error;
}
