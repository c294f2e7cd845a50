/**
 * Whether calls between programs are authenticated, and with what secret: configuration, never
 * inferred from what a call carries. `AUTH` is the one switch for the whole deployment (the
 * gateway reads it too); it defaults to on, so a deployment that forgets it fails to start
 * instead of running open.
 */
import { ConfigError, type EnvReader } from "../config/index.js";

/** RFC 7518 section 3.2: an HS256 key is at least as long as the hash. */
export const MIN_AUTH_SECRET_BYTES = 32;

export type AuthEnv = { readonly enabled: false } | { readonly enabled: true; readonly secret: Uint8Array };

export function readAuthEnv(env: EnvReader): AuthEnv {
  if (!env.bool("AUTH", true)) return { enabled: false };
  const secret = env.optional("MICRO_AUTH_SECRET");
  const expected = `a secret of at least ${MIN_AUTH_SECRET_BYTES} bytes shared by every program while AUTH is on`;
  if (secret === undefined) throw new ConfigError("MICRO_AUTH_SECRET", expected, undefined);
  const bytes = new TextEncoder().encode(secret);
  // The error names the length, never the value.
  if (bytes.length < MIN_AUTH_SECRET_BYTES) throw new ConfigError("MICRO_AUTH_SECRET", expected, `${bytes.length} bytes`);
  return { enabled: true, secret: bytes };
}
