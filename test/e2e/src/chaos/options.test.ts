/**
 * `npm run chaos` flags: defaults, repeatable scenarios, and one clear error naming a bad flag.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_AFTER_SECONDS, DEFAULT_WARMUP_SECONDS, UsageError, parseOptions } from "./options.js";
import { SCENARIO_NAMES } from "./scenarios.js";

test("chaos options - without flags every scenario runs on TCP with the default timings", () => {
  assert.deepEqual(parseOptions([]), {
    scenarios: SCENARIO_NAMES,
    transport: "tcp",
    warmupMs: DEFAULT_WARMUP_SECONDS * 1000,
    afterMs: DEFAULT_AFTER_SECONDS * 1000,
    seed: 1,
    json: false,
    strict: false,
  });
});

test("chaos options - --scenario repeats, in the order given, and the other flags are read", () => {
  const options = parseOptions(["--scenario", "kill-orders", "--scenario", "stop-users", "--scenario", "kill-orders", "--transport", "nats", "--duration", "2.5", "--seed", "42", "--json"]);
  assert.notEqual(options, "help");
  if (options === "help") return;
  assert.deepEqual(options.scenarios, ["kill-orders", "stop-users"]);
  assert.equal(options.transport, "nats");
  assert.equal(options.afterMs, 2500);
  assert.equal(options.seed, 42);
  assert.equal(options.json, true);
});

test("chaos options - a bad value is a UsageError naming its flag", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--scenario", "meteor"], /--scenario: unknown scenario "meteor"/],
    [["--transport", "http"], /--transport: expected tcp or nats/],
    [["--duration", "0"], /--duration: expected seconds/],
    [["--warmup", "soon"], /--warmup: expected seconds/],
    [["--seed", "1.5"], /--seed: expected an integer/],
    [["--speed", "9"], /speed/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseOptions(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(" "));
});
