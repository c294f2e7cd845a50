/**
 * Call credentials: compact HS256 JWTs that a program signs for one callee (`aud`) and a short
 * lifetime, verified by the callee with the secret every trusted program shares.
 *
 * Signed and checked with node:crypto's HMAC directly rather than a JOSE library: only our own
 * tokens are ever accepted here, so the header is one fixed string compared byte for byte (no
 * algorithm is ever read from a token, which is what stops `alg: none` and key confusion), and a
 * synchronous HMAC costs about a microsecond where WebCrypto's costs a promise and a thread-pool hop.
 * Both sides remember: the signer reuses a credential until half its life has passed, the verifier
 * remembers credentials it has verified until they expire, so the steady state is a map lookup.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Account, CredentialCheck, CredentialSigner, CredentialVerifier } from "./index.js";

/** How long a credential is valid. Short: it is for one hop, and signing a new one is cheap. */
export const DEFAULT_CREDENTIAL_LIFETIME_MS = 60_000;
/**
 * How far the signer's and the verifier's clocks may disagree. Programs already assume clocks in
 * step to within a registration TTL; credentials need far less than that.
 */
export const CLOCK_SKEW_MS = 5_000;
/** Credentials remembered on each side; the oldest goes first. */
const MAX_REMEMBERED = 10_000;
const SIGNATURE_BYTES = 32;

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
const PREFIX = `${HEADER}.`;

interface Claims {
  readonly iss: string;
  readonly sub: string;
  readonly roles: readonly string[];
  readonly aud: string;
  /** Seconds since the epoch, as JWTs count. */
  readonly iat: number;
  readonly exp: number;
}

export interface CredentialSignerOptions {
  readonly issuer: string;
  readonly secret: Uint8Array;
  /** @default DEFAULT_CREDENTIAL_LIFETIME_MS */
  readonly lifetimeMs?: number;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

export function createCredentialSigner(options: CredentialSignerOptions): CredentialSigner {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_CREDENTIAL_LIFETIME_MS;
  const now = options.now ?? Date.now;
  const made = new Map<string, { readonly credential: string; readonly renewAt: number }>();
  return {
    issuer: options.issuer,
    credentialFor(audience, account) {
      const sub = account?.id ?? options.issuer;
      const roles = account?.roles ?? [];
      const key = `${audience}\u0000${sub}\u0000${roles.join(",")}`;
      const at = now();
      const known = made.get(key);
      if (known !== undefined && at < known.renewAt) return known.credential;
      const iat = Math.floor(at / 1000);
      const credential = sign({ iss: options.issuer, sub, roles, aud: audience, iat, exp: iat + Math.ceil(lifetimeMs / 1000) }, options.secret);
      remember(made, key, { credential, renewAt: at + lifetimeMs / 2 });
      return credential;
    },
  };
}

export interface CredentialVerifierOptions {
  /** The service that verifies: credentials for any other audience are refused. */
  readonly audience: string;
  readonly secret: Uint8Array;
  /** @default Date.now */
  readonly now?: () => number;
}

export function createCredentialVerifier(options: CredentialVerifierOptions): CredentialVerifier {
  const now = options.now ?? Date.now;
  const verified = new Map<string, { readonly account: Account; readonly until: number }>();
  return {
    verify(credential): CredentialCheck {
      if (credential === undefined || credential === "") return { ok: false, problem: "missing" };
      const at = now();
      const known = verified.get(credential);
      if (known !== undefined) {
        if (at <= known.until) return { ok: true, account: known.account };
        verified.delete(credential);
        return { ok: false, problem: "expired" };
      }
      const claims = checkedClaims(credential, options.secret);
      if (typeof claims === "string") return { ok: false, problem: claims };
      if (claims.aud !== options.audience) return { ok: false, problem: "audience" };
      const until = claims.exp * 1000 + CLOCK_SKEW_MS;
      if (at > until || claims.iat * 1000 - CLOCK_SKEW_MS > at) return { ok: false, problem: "expired" };
      const account: Account = Object.freeze({ id: claims.sub, roles: Object.freeze([...claims.roles]), issuer: claims.iss });
      remember(verified, credential, { account, until });
      return { ok: true, account };
    },
  };
}

function sign(claims: Claims, secret: Uint8Array): string {
  const signed = PREFIX + Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

/** The claims of a well-formed credential with a good signature, or what is wrong with it. */
function checkedClaims(credential: string, secret: Uint8Array): Claims | "malformed" | "signature" {
  if (!credential.startsWith(PREFIX)) return "malformed";
  const dot = credential.indexOf(".", PREFIX.length);
  if (dot === -1) return "malformed";
  const signature = Buffer.from(credential.slice(dot + 1), "base64url");
  // Decoding skips stray characters: only the canonical spelling of 32 bytes is accepted.
  if (signature.length !== SIGNATURE_BYTES || signature.toString("base64url") !== credential.slice(dot + 1)) return "malformed";
  const expected = createHmac("sha256", secret).update(credential.slice(0, dot)).digest();
  if (!timingSafeEqual(signature, expected)) return "signature";
  return claimsOf(credential.slice(PREFIX.length, dot)) ?? "malformed";
}

function claimsOf(encoded: string): Claims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const c = value as Record<string, unknown>;
  const strings = [c.iss, c.sub, c.aud].every((v) => typeof v === "string" && v !== "");
  const roles = Array.isArray(c.roles) && c.roles.every((r) => typeof r === "string");
  const times = Number.isSafeInteger(c.iat) && Number.isSafeInteger(c.exp);
  return strings && roles && times ? (value as Claims) : undefined;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
