/**
 * Authorization headers: valid tokens for a user and an admin, and every way a token can be
 * wrong (expired, not yet valid, signed with another key, `alg: none`, another algorithm, odd
 * claims, truncated, padded, huge, another scheme).
 *
 * Tokens are signed here with node:crypto's HMAC rather than jose: jose signs asynchronously and
 * fast-check's generators are synchronous, and generating the claims is what lets fast-check
 * shrink a bad token to the one claim that matters. HS256 is one HMAC-SHA256 over two base64url parts.
 */
import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { SHRINK_TO_FIRST, unicodeDigits } from "./values.js";

export interface AuthProfile {
  /** Whether the system under test checks tokens (AUTH=on). */
  readonly enabled: boolean;
  /** AUTH_JWT_SECRET, when known: without it no valid token can be made. */
  readonly secret?: string | undefined;
}

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** A compact JWS over `claims`; `alg` in the header is what the token claims, the signature is always HMAC-SHA256. */
export function signHs256(claims: Record<string, unknown>, secret: string, alg = "HS256"): string {
  const signingInput = `${b64({ alg, typ: "JWT" })}.${b64(claims)}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}

/** A secret of 32+ bytes for a system this suite starts itself, one per run. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Claims of a token that verifies: time claims relative to when the request is made. */
function claims(sub: unknown, roles: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub, roles, iat: nowSec(), exp: nowSec() + 3600, ...extra };
}

const oddSub = fc.oneof(
  fc.constantFrom<unknown>(1, 0, -1, 1.5, "", " 1", "01", "1.0", "0", "9007199254740993", null, true, ["1"], { id: 1 }, "1\u0000", "admin"),
  unicodeDigits,
  fc.string({ maxLength: 20 }),
);
const oddRoles = fc.oneof(
  fc.constantFrom<unknown>("admin", ["ADMIN"], [" admin"], ["admin\u0000"], [1], [null], null, {}, { admin: true }, [["admin"]], []),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
);

/** `Authorization` values; in a system with auth most carry a valid admin or user token, so requests get past the gateway. */
export function authorization(profile: AuthProfile): fc.Arbitrary<string | undefined> {
  const secret = profile.secret;
  const signed = (c: Record<string, unknown>, alg?: string) => `Bearer ${signHs256(c, secret ?? "not-the-secret-not-the-secret-xx", alg)}`;
  const valid = (sub: string, roles: string[]) => fc.constant(null).map(() => signed(claims(sub, roles)));
  const broken = fc.oneof(
    valid("99", ["admin"]).map((h) => h.replace(/.$/, (c) => (c === "A" ? "B" : "A"))),
    fc.constant(null).map(() => signed(claims("99", ["admin"], { exp: nowSec() - 3600 }))),
    fc.constant(null).map(() => signed(claims("99", ["admin"], { nbf: nowSec() + 3600 }))),
    fc.constant(null).map(() => `Bearer ${signHs256(claims("99", ["admin"]), "another-secret-that-is-32-bytes-long!")}`),
    fc.constant(null).map(() => `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(claims("99", ["admin"]))}.`),
    fc.constantFrom("HS512", "RS256", "ES256", "none", "hs256").map((alg) => signed(claims("99", ["admin"]), alg)),
    fc.tuple(oddSub, oddRoles).map(([sub, roles]) => signed(claims(sub, roles))),
    fc.record({ exp: fc.constantFrom<unknown>("never", 1e308, -1, null, 9007199254740993) }).map((extra) => signed({ ...claims("1", ["admin"]), ...extra })),
  );
  const junk = fc.oneof(
    fc.constantFrom("Bearer", "Bearer ", "Bearer  ", "bearer x.y.z", "Bearer a.b", "Bearer a.b.c", "Bearer ...", "Bearer ====",
      "Basic dXNlcjpwYXNz", "Digest x", "Bearer a.b.c extra", "Bearer\ta.b.c", "Token abc", ""),
    fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
    fc.string({ maxLength: 40 }),
    fc.integer({ min: 1_000, max: 12_000 }).map((n) => `Bearer ${"a".repeat(n)}`),
  );
  if (!profile.enabled) {
    return fc.oneof(SHRINK_TO_FIRST, { weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: broken }, { weight: 1, arbitrary: junk });
  }
  return fc.oneof(
    SHRINK_TO_FIRST,
    { weight: 9, arbitrary: valid("99", ["admin"]) },
    { weight: 4, arbitrary: fc.constantFrom("1", "2").chain((sub) => valid(sub, ["customer"])) },
    { weight: 4, arbitrary: broken },
    { weight: 2, arbitrary: junk },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** The header a snapshot of the lists needs: an admin's token when auth is on. */
export function adminHeader(profile: AuthProfile): string | undefined {
  if (!profile.enabled || profile.secret === undefined) return undefined;
  return `Bearer ${signHs256(claims("99", ["admin"]), profile.secret)}`;
}
