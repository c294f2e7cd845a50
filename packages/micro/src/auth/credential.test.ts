/**
 * Call credentials on their own: what the signer makes, what the verifier accepts and why it
 * refuses the rest, with an injected clock so lifetimes are tested without waiting.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { ConfigError, EnvReader } from "../config/index.js";
import { CLOCK_SKEW_MS, DEFAULT_CREDENTIAL_LIFETIME_MS, MIN_AUTH_SECRET_BYTES, createCredentialSigner, createCredentialVerifier, readAuthEnv } from "./index.js";

const SECRET = new TextEncoder().encode("a-call-credential-secret-of-32-bytes-or-more");
const OTHER = new TextEncoder().encode("another-secret-that-is-also-32-bytes-long!!");

function clock(start = Date.UTC(2026, 11, 4)): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}

function payloadOf(credential: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(credential.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
}

/** A credential with our header and these claims, HMAC-signed with `secret`. */
function forge(claims: object, secret = SECRET, header = { alg: "HS256", typ: "JWT" }): string {
  const signed = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

describe("auth - call credentials", () => {
  test("auth - a credential names its issuer, subject, roles and callee, and verifies for that callee only", () => {
    const time = clock();
    const signer = createCredentialSigner({ issuer: "gateway", secret: SECRET, now: time.now });
    const credential = signer.credentialFor("users", { id: "7", roles: ["admin"] });
    const claims = payloadOf(credential);
    assert.deepEqual([claims.iss, claims.sub, claims.roles, claims.aud], ["gateway", "7", ["admin"], "users"]);
    assert.equal((claims.exp as number) - (claims.iat as number), DEFAULT_CREDENTIAL_LIFETIME_MS / 1000);
    const users = createCredentialVerifier({ audience: "users", secret: SECRET, now: time.now });
    assert.deepEqual(users.verify(credential), { ok: true, account: { id: "7", roles: ["admin"], issuer: "gateway" } });
    const orders = createCredentialVerifier({ audience: "orders", secret: SECRET, now: time.now });
    assert.deepEqual(orders.verify(credential), { ok: false, problem: "audience" });
  });

  test("auth - a program acting for itself is its own subject, with no roles", () => {
    const signer = createCredentialSigner({ issuer: "orders", secret: SECRET });
    const check = createCredentialVerifier({ audience: "users", secret: SECRET }).verify(signer.credentialFor("users", undefined));
    assert.deepEqual(check, { ok: true, account: { id: "orders", roles: [], issuer: "orders" } });
  });

  test("auth - the signer reuses a credential for half its life, then signs a new one", () => {
    const time = clock();
    const signer = createCredentialSigner({ issuer: "gateway", secret: SECRET, now: time.now });
    const first = signer.credentialFor("users", { id: "1", roles: [] });
    time.advance(DEFAULT_CREDENTIAL_LIFETIME_MS / 2 - 1);
    assert.equal(signer.credentialFor("users", { id: "1", roles: [] }), first);
    assert.notEqual(signer.credentialFor("users", { id: "1", roles: ["admin"] }), first);
    assert.notEqual(signer.credentialFor("products", { id: "1", roles: [] }), first);
    time.advance(1_000);
    assert.notEqual(signer.credentialFor("users", { id: "1", roles: [] }), first);
  });

  test("auth - an expired credential is refused, also after it was verified once", () => {
    const time = clock();
    const credential = createCredentialSigner({ issuer: "gateway", secret: SECRET, now: time.now }).credentialFor("users", undefined);
    const verifier = createCredentialVerifier({ audience: "users", secret: SECRET, now: time.now });
    assert.equal(verifier.verify(credential).ok, true);
    time.advance(DEFAULT_CREDENTIAL_LIFETIME_MS + CLOCK_SKEW_MS - 1_000);
    assert.equal(verifier.verify(credential).ok, true);
    time.advance(2_000);
    assert.deepEqual(verifier.verify(credential), { ok: false, problem: "expired" });
    const fresh = createCredentialVerifier({ audience: "users", secret: SECRET, now: time.now });
    assert.deepEqual(fresh.verify(credential), { ok: false, problem: "expired" });
  });

  test("auth - a credential from the future beyond the clock skew is refused", () => {
    const time = clock();
    const iat = Math.floor(time.now() / 1000) + 60;
    const early = forge({ iss: "gateway", sub: "1", roles: [], aud: "users", iat, exp: iat + 60 });
    assert.deepEqual(createCredentialVerifier({ audience: "users", secret: SECRET, now: time.now }).verify(early), { ok: false, problem: "expired" });
  });

  test("auth - missing, malformed, tampered and foreign credentials are refused, each for its reason", () => {
    const time = clock();
    const verifier = createCredentialVerifier({ audience: "users", secret: SECRET, now: time.now });
    const iat = Math.floor(time.now() / 1000);
    const claims = { iss: "gateway", sub: "1", roles: ["admin"], aud: "users", iat, exp: iat + 60 };
    assert.equal(verifier.verify(forge(claims)).ok, true);
    assert.deepEqual(verifier.verify(undefined), { ok: false, problem: "missing" });
    assert.deepEqual(verifier.verify(""), { ok: false, problem: "missing" });
    for (const junk of ["x", "a.b.c", "Bearer abc", forge(claims).split(".").slice(0, 2).join(".")]) {
      assert.deepEqual(verifier.verify(junk), { ok: false, problem: "malformed" }, junk);
    }
    assert.deepEqual(verifier.verify(forge(claims, OTHER)), { ok: false, problem: "signature" });
    const [header, , signature] = forge(claims).split(".");
    const promoted = Buffer.from(JSON.stringify({ ...claims, sub: "2" })).toString("base64url");
    assert.deepEqual(verifier.verify(`${header}.${promoted}.${signature}`), { ok: false, problem: "signature" });
    // The algorithm is never read from a token: any other header is not ours.
    assert.deepEqual(verifier.verify(forge(claims, SECRET, { alg: "none", typ: "JWT" })), { ok: false, problem: "malformed" });
    const { exp: _exp, ...noExpiry } = claims;
    assert.deepEqual(verifier.verify(forge(noExpiry)), { ok: false, problem: "malformed" });
    assert.deepEqual(verifier.verify(forge({ ...claims, roles: "admin" })), { ok: false, problem: "malformed" });
    assert.deepEqual(verifier.verify(`${forge(claims)}x`), { ok: false, problem: "malformed" });
  });
});

describe("auth - configuration", () => {
  test("auth - AUTH defaults to on and then needs MICRO_AUTH_SECRET of 32 bytes, named without its value", () => {
    assert.deepEqual(readAuthEnv(new EnvReader({ AUTH: "off" })), { enabled: false });
    assert.throws(() => readAuthEnv(new EnvReader({})), (e: unknown) => e instanceof ConfigError && e.variable === "MICRO_AUTH_SECRET");
    const short = "short-secret";
    assert.throws(() => readAuthEnv(new EnvReader({ MICRO_AUTH_SECRET: short })), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /got "12 bytes"/);
      assert.ok(!e.message.includes(short));
      return true;
    });
    const env = readAuthEnv(new EnvReader({ AUTH: "on", MICRO_AUTH_SECRET: "x".repeat(MIN_AUTH_SECRET_BYTES) }));
    assert.equal(env.enabled && env.secret.length, MIN_AUTH_SECRET_BYTES);
  });
});
