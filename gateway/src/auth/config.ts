/**
 * Auth configuration from the environment, validated once at start. `AUTH` defaults to on: a
 * deployment that forgets to configure it must fail to start, not run open. Verification keys
 * are either an HS256 secret (`AUTH_JWT_SECRET`) or a JWKS URL for RS256/ES256 (`AUTH_JWKS_URL`).
 */
import { ConfigError, type EnvReader } from "@gw/micro";

/**
 * A well-known HS256 secret for trying auth on a laptop. Everyone can read it in this repository,
 * so anyone could sign tokens with it: it is refused whenever the gateway listens on anything but
 * a loopback address, whatever NODE_ENV says. Auth follows the socket.
 */
export const DEV_JWT_SECRET = "gateway-development-secret-do-not-use-in-production";

/** RFC 7518 3.2: an HS256 key must be at least as long as the hash, 256 bits. */
export const MIN_SECRET_BYTES = 32;

/** Allowed skew between the issuer's clock and ours when checking `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SEC = 5;
/** The longest lifetime a token may have: a stolen token must not be good for long. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 24 * 3600;

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
      /** Tokens whose `exp` lies further ahead than this (or past `iat` by more) are refused. @default DEFAULT_MAX_TOKEN_LIFETIME_SEC */
      readonly maxTokenLifetimeSec?: number | undefined;
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
  const maxTokenLifetimeSec = durationSec(env, "AUTH_MAX_TOKEN_LIFETIME", DEFAULT_MAX_TOKEN_LIFETIME_SEC);
  const common = { issuer, audience, maxTokenLifetimeSec };
  if (jwksUrl !== undefined) return { enabled: true, key: { kind: "jwks", url: jwksUrl }, ...common };
  if (secret === undefined) {
    throw new ConfigError(NEITHER, "an HS256 secret of at least 32 bytes or a JWKS URL while AUTH is on", undefined);
  }
  return { enabled: true, key: { kind: "secret", secret: secretKey(secret, env.string("HOST", "127.0.0.1")) }, ...common };
}

/** The secret as key bytes; the error names its length, never its value. */
function secretKey(secret: string, host: string): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError("AUTH_JWT_SECRET", `at least ${MIN_SECRET_BYTES} bytes`, `${bytes.length} bytes`);
  }
  if (secret === DEV_JWT_SECRET && !isLoopback(host)) {
    throw new ConfigError("AUTH_JWT_SECRET", `a secret of your own: the development secret is public, refused while HOST=${host} is not loopback`, "the development secret");
  }
  return bytes;
}

/** Only this machine can connect: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

const UNIT_SEC: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration such as `24h`, `90m`, `3600s`, `1d` or plain seconds, in seconds. */
function durationSec(env: EnvReader, name: string, fallback: number): number {
  const raw = env.optional(name);
  if (raw === undefined) return fallback;
  const match = /^([1-9][0-9]{0,8})([smhd]?)$/.exec(raw);
  if (match === null) throw new ConfigError(name, "a duration such as 24h, 90m or 3600s", raw);
  return Number(match[1]) * (UNIT_SEC[match[2] || "s"] ?? 1);
}

/** An HS256 auth configuration for `secret`, for tests and programs that build it in code. */
export function secretAuth(secret: string, options: { issuer?: string; audience?: string } = {}): AuthConfig {
  return { enabled: true, key: { kind: "secret", secret: new TextEncoder().encode(secret) }, ...options };
}
