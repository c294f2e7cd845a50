/**
 * Environment configuration: each EnvReader kind accepts what it should and rejects the rest with
 * a message naming the variable, passwords never reach that message, and `loadConfig` stops a real
 * child process with exactly one line and exit code 1.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { ConfigError, type Env, EnvReader, loadConfig } from "./index.js";

function reader(env: Env): EnvReader {
  return new EnvReader(env);
}

/** Asserts `read` throws a ConfigError for `variable` and returns its message. */
function failure(read: () => unknown, variable: string): string {
  let message = "";
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.variable, variable);
    assert.ok(error.message.startsWith(`${variable}: expected `), error.message);
    message = error.message;
    return true;
  });
  return message;
}

describe("config", () => {
  it("config - int reads integers, uses the fallback when unset or blank, and trims", () => {
    assert.equal(reader({ PORT: "8080" }).int("PORT", 1), 8080);
    assert.equal(reader({ PORT: " 42 " }).int("PORT", 1), 42);
    assert.equal(reader({}).int("PORT", 7), 7);
    assert.equal(reader({ PORT: "  " }).int("PORT", 7), 7);
    assert.equal(reader({ DELTA: "-3" }).int("DELTA", 0, { min: -5 }), -3);
  });

  it("config - int rejects non-integers and values out of range, naming the variable and the range", () => {
    for (const raw of ["abc", "1.5", "1e3", "0x10", "12abc"]) {
      assert.match(failure(() => reader({ POOL_SIZE: raw }).int("POOL_SIZE", 10, { min: 1, max: 100 }), "POOL_SIZE"), /an integer from 1 to 100/);
    }
    const message = failure(() => reader({ POOL_SIZE: "101" }).int("POOL_SIZE", 10, { min: 1, max: 100 }), "POOL_SIZE");
    assert.equal(message, 'POOL_SIZE: expected an integer from 1 to 100, got "101"');
    failure(() => reader({ POOL_SIZE: "0" }).int("POOL_SIZE", 10, { min: 1 }), "POOL_SIZE");
  });

  it("config - oneOf accepts listed values and lists them when rejecting", () => {
    assert.equal(reader({ MICRO_REGISTRY: "memory" }).oneOf("MICRO_REGISTRY", ["local", "memory"], "local"), "memory");
    assert.equal(reader({}).oneOf("MICRO_REGISTRY", ["local", "memory"], "local"), "local");
    const message = failure(() => reader({ MICRO_REGISTRY: "consul" }).oneOf("MICRO_REGISTRY", ["local", "memory"], "local"), "MICRO_REGISTRY");
    assert.equal(message, 'MICRO_REGISTRY: expected one of local, memory, got "consul"');
  });

  it("config - bool accepts the usual spellings in any case and rejects the rest", () => {
    for (const raw of ["1", "true", "TRUE", "on", "yes"]) assert.equal(reader({ SEED: raw }).bool("SEED", false), true);
    for (const raw of ["0", "false", "Off", "no"]) assert.equal(reader({ SEED: raw }).bool("SEED", true), false);
    assert.equal(reader({}).bool("SEED", true), true);
    assert.match(failure(() => reader({ SEED: "maybe" }).bool("SEED", true), "SEED"), /true or false/);
  });

  it("config - string requires a value when there is no fallback", () => {
    assert.equal(reader({ NAME: "users" }).string("NAME"), "users");
    assert.equal(reader({}).string("NAME", "fallback"), "fallback");
    assert.equal(failure(() => reader({}).string("NAME"), "NAME"), "NAME: expected a value, got nothing");
  });

  it("config - url accepts listed protocols and rejects others and non-URLs", () => {
    const protocols = ["postgres:", "postgresql:"];
    assert.equal(reader({ DATABASE_URL: "postgres://db:5432/app" }).url("DATABASE_URL", protocols), "postgres://db:5432/app");
    assert.equal(reader({}).url("DATABASE_URL", protocols), undefined);
    assert.match(failure(() => reader({ DATABASE_URL: "http://db/app" }).url("DATABASE_URL", protocols), "DATABASE_URL"), /a URL \(postgres:, postgresql:\)/);
    failure(() => reader({ DATABASE_URL: "not a url" }).url("DATABASE_URL", protocols), "DATABASE_URL");
  });

  it("config - a rejected URL's password never appears in the message", () => {
    const cases = [
      ["mysql://admin:s3cret@db:5432/app", "s3cret"],
      ["mysql://admin:p@ss@db:5432/app", "ss@db"],
      ["mysql://:t0ken@db:5432/app", "t0ken"],
      ["postgres ://admin:hunter2@db/app", "hunter2"],
    ] as const;
    for (const [raw, secret] of cases) {
      const message = failure(() => reader({ DATABASE_URL: raw }).url("DATABASE_URL", ["postgres:"]), "DATABASE_URL");
      assert.ok(!message.includes(secret), `leaked in: ${message}`);
      assert.match(message, /\*\*\*/);
    }
    const kept = failure(() => reader({ DATABASE_URL: "mysql://admin:s3cret@db:5432/app" }).url("DATABASE_URL", ["postgres:"]), "DATABASE_URL");
    assert.match(kept, /admin:\*\*\*@db:5432\/app/);
  });

  it("config - loadConfig returns what the reader read when the environment is good", () => {
    assert.equal(loadConfig("users", (env) => env.int("PORT", 1), { PORT: "3000" }), 3000);
  });

  it("config - loadConfig prints one line naming the variable and exits 1", () => {
    const moduleUrl = new URL("./index.js", import.meta.url).href;
    const code = [
      `import { loadConfig } from ${JSON.stringify(moduleUrl)};`,
      `loadConfig("users", (env) => env.int("POOL_SIZE", 10, { min: 1, max: 100 }), { POOL_SIZE: "lots" });`,
      `console.log("still running");`,
    ].join("\n");
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 10_000 });
    assert.equal(child.status, 1, child.stderr);
    assert.equal(child.stdout, "");
    assert.equal(child.stderr, 'users: configuration error: POOL_SIZE: expected an integer from 1 to 100, got "lots"\n');
  });
});
