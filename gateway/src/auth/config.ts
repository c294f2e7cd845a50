/**
 * Auth configuration from the environment, validated once at start. `AUTH` defaults to on: a
 * deployment that forgets to configure it must fail to start, not run open. Verification keys
 * are either an HS256 secret (`AUTH_JWT_SECRET`) or a JWKS URL for RS256/ES256 (`AUTH_JWKS_URL`).
 */
import { ConfigError, type EnvReader } from "@gw/micro";

/**
 * The HS256 secret of development: what `npm start` gives the gateway, and what
 * `scripts/token.mjs` signs with when `AUTH_JWT_SECRET` is unset (that script repeats the
 * string, as it runs without a build). Refused when NODE_ENV=production.
 */
export const DEV_JWT_SECRET = "gateway-development-secret-do-not-use-in-production";

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash, 256 bits. */
export const MIN_SECRET_BYTES = 32;

/** Allowed skew between the issuer's clock and ours when checking `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SEC = 5;

/** Signature algorithms per key kind; pinning them is what stops `alg: none` and key confusion. */
export const SECRET_ALGORITHMS = ["HS256"] as const;
export const JWKS_ALGORITHMS = ["RS256", "ES256"] as const;

/** Where tokens are verified: a shared secret, or the issuer's published public keys. */
export type AuthKey =
  | { readonly kind: "secret"; readonly secret: Uint8Array }
  | { readonly kind: "jwks"; readonly url: string };

export type AuthConfig =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly key: AuthKey;
      /** The required `iss` claim, when set. */
      readonly issuer?: string | undefined;
      /** The required `aud` claim, when set. */
      readonly audience?: string | undefined;
      /** @default CLOCK_TOLERANCE_SEC */
      readonly clockToleranceSec?: number | undefined;
    };

const NEITHER = "AUTH_JWT_SECRET or AUTH_JWKS_URL";

export function readAuthConfig(env: EnvReader): AuthConfig {
  if (!env.bool("AUTH", true)) return { enabled: false };
  const secret = env.optional("AUTH_JWT_SECRET");
  const jwksUrl = env.url("AUTH_JWKS_URL", ["https:", "http:"]);
  if (secret !== undefined && jwksUrl !== undefined) {
    // Two key sources would make which one a token is checked against depend on the token.
    throw new ConfigError(NEITHER, "only one of the two", "both");
  }
  const issuer = env.optional("AUTH_ISSUER");
  const audience = env.optional("AUTH_AUDIENCE");
  if (jwksUrl !== undefined) return { enabled: true, key: { kind: "jwks", url: jwksUrl }, issuer, audience };
  if (secret === undefined) {
    throw new ConfigError(NEITHER, "an HS256 secret of at least 32 bytes or a JWKS URL while AUTH is on", undefined);
  }
  return { enabled: true, key: { kind: "secret", secret: secretKey(secret, env) }, issuer, audience };
}

/** The secret as key bytes; the error names its length, never its value. */
function secretKey(secret: string, env: EnvReader): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError("AUTH_JWT_SECRET", `at least ${MIN_SECRET_BYTES} bytes`, `${bytes.length} bytes`);
  }
  if (secret === DEV_JWT_SECRET && env.optional("NODE_ENV") === "production") {
    // Everyone can read the development secret in this repository, so anyone could sign tokens.
    throw new ConfigError("AUTH_JWT_SECRET", "a secret other than the development one when NODE_ENV=production", "the development secret");
  }
  return bytes;
}

/** An HS256 auth configuration for `secret`, for tests and programs that build it in code. */
export function secretAuth(secret: string, options: { issuer?: string; audience?: string } = {}): AuthConfig {
  return { enabled: true, key: { kind: "secret", secret: new TextEncoder().encode(secret) }, ...options };
}
