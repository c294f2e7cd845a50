/**
 * The verified-token cache over the real HS256 verifier: a token that verified is answered from
 * memory until it expires (then it is refused as expired, not served stale), failures are never
 * cached, and the oldest entry makes room for a new one. Time is a manual clock shared by the
 * cache and the verifier, so expiry is reached by advancing it, not by waiting for it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "@gw/micro/testing";
import { type AuthConfig, secretAuth } from "./config.js";
import { cachedVerifier } from "./token-cache.js";
import { secretBytes, signToken } from "./testing-keys.js";
import { type Verifier, createVerifier } from "./verify.js";

const SECRET = "test-secret-of-the-token-cache-at-least-32-bytes";

/** The real verifier, counting how often it is asked. */
function counted(config: AuthConfig, now?: () => number): { verify: Verifier; calls(): number } {
  if (!config.enabled) throw new Error("auth must be on");
  const inner = createVerifier(config, now === undefined ? {} : { now });
  let calls = 0;
  return {
    verify: (token) => {
      calls++;
      return inner(token);
    },
    calls: () => calls,
  };
}

describe("token cache", () => {
  test("auth - a verified token is answered from memory, with the same identity", async () => {
    const real = counted(secretAuth(SECRET));
    const verify = cachedVerifier(real.verify, { clockToleranceSec: 5 });
    const token = await signToken({ sub: "1", roles: ["customer"] }, secretBytes(SECRET));
    const first = await verify(token);
    const second = await verify(token);
    assert.deepEqual(second, { ok: true, identity: first.ok ? first.identity : undefined });
    assert.equal(real.calls(), 1);
    await verify(await signToken({ sub: "2", roles: [] }, secretBytes(SECRET)));
    assert.equal(real.calls(), 2, "another token is verified on its own");
  });

  test("auth - a cached token is refused once it expires, not served stale", async () => {
    const config: AuthConfig = { ...secretAuth(SECRET), clockToleranceSec: 0 } as AuthConfig;
    const clock = new ManualClock();
    const real = counted(config, clock.now);
    const verify = cachedVerifier(real.verify, { clockToleranceSec: 0, now: clock.now });
    const token = await signToken({ sub: "1", roles: [] }, secretBytes(SECRET), { expiresInSec: 1 });
    const expiresAtMs = expOf(token) * 1000;
    assert.equal((await verify(token)).ok, true);
    clock.advance(expiresAtMs - 1 - clock.now());
    assert.equal((await verify(token)).ok, true, "good until its last millisecond");
    assert.equal(real.calls(), 1, "answered from memory");
    clock.advance(2);
    assert.deepEqual(await verify(token), { ok: false, kind: "invalid", description: "the token has expired" });
    assert.equal(real.calls(), 2, "verified afresh once out of date");
  });

  test("auth - a token that fails is verified again every time", async () => {
    const real = counted(secretAuth(SECRET));
    const verify = cachedVerifier(real.verify, { clockToleranceSec: 5 });
    const forged = await signToken({ sub: "1", roles: ["admin"] }, secretBytes(`${SECRET}-but-another-one`));
    for (let i = 0; i < 3; i++) assert.equal((await verify(forged)).ok, false);
    assert.equal(real.calls(), 3);
  });

  test("auth - the oldest entry makes room, and an entry lives at most maxAgeMs", async () => {
    const real = counted(secretAuth(SECRET));
    const clock = new ManualClock();
    const verify = cachedVerifier(real.verify, { clockToleranceSec: 5, maxEntries: 2, maxAgeMs: 60_000, now: clock.now });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((sub) => signToken({ sub, roles: [] }, secretBytes(SECRET))));
    for (const token of [a, b, c, b, c]) await verify(token as string);
    assert.equal(real.calls(), 3, "b and c are still held");
    await verify(a as string);
    assert.equal(real.calls(), 4, "a was dropped for c");
    clock.advance(60_001);
    await verify(c as string);
    assert.equal(real.calls(), 5, "c outlived maxAgeMs");
  });
});

/** A token's `exp`, in epoch seconds. */
function expOf(token: string): number {
  const payload: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
  const exp = (payload as { exp?: unknown }).exp;
  assert.equal(typeof exp, "number");
  return exp as number;
}
