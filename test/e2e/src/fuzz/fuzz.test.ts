/**
 * Bad input is a 4xx at every layer: a few thousand generated requests against the four
 * programs as processes, once with auth off (as `npm start` runs them) and once with auth on,
 * each property checked over every answer. `npm run fuzz` runs the same suite at 100,000 cases.
 *
 * FUZZ_SEED fixes the seed (it is printed either way), FUZZ_TEST_RUNS the cases per mode. A
 * failure names each fault once with the smallest request fast-check shrank it to and the
 * `npm run fuzz -- --replay` command that sends that request again.
 */
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ViolationKind } from "./checks.js";
import { Fuzzer, type RunResult } from "./runner.js";
import { describeFinding, summaryTable } from "./summary.js";
import { type Target, startTarget } from "./target.js";

const RUNS = envInt("FUZZ_TEST_RUNS", 1_500);
const STATE_RUNS = Math.max(1, Math.round(RUNS / 40));
const SEED = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31 - 1) : Number(process.env.FUZZ_SEED) | 0;
/** Shrinking is what makes a failure readable; bounded, so a run with many faults still ends in time. */
const SHRINK_MS = 5_000;
const SHRINK_TOTAL_MS = 25_000;

function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Both modes run on the same databases, so the second start is a restart, not three initdbs. */
let dataDir: string | undefined;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "gw-fuzz-"));
});
after(async () => {
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

for (const auth of [false, true]) {
  const label = auth ? "auth on" : "auth off";
  describe(`fuzz - ${label}, ${RUNS + STATE_RUNS} generated requests, seed ${SEED}`, () => {
    let target: Target | undefined;
    let result: RunResult;

    before(async () => {
      target = await startTarget(auth, dataDir);
      const fuzzer = new Fuzzer({
        url: target.url,
        profile: target.profile,
        seed: SEED,
        runs: RUNS,
        stateRuns: STATE_RUNS,
        shrinkMs: SHRINK_MS,
        shrinkTotalMs: SHRINK_TOTAL_MS,
        liveness: () => target!.liveness(),
      });
      result = await fuzzer.run();
      process.stdout.write(`fuzz [${label}]\n${summaryTable([{ label, result }])}\n`);
    });
    after(async () => {
      await target?.close();
    });

    const none = (kind: ViolationKind, title: string) =>
      test(`fuzz - ${title}`, () => {
        const found = result.findings.filter((f) => f.kind === kind);
        const report = found.map((f) => describeFinding(label, SEED, f)).join("\n\n");
        assert.equal(found.length, 0, `${found.length} distinct faults (seed ${SEED}, FUZZ_SEED=${SEED} runs the same cases):\n\n${report}\n`);
      });

    test("fuzz - the generated requests reach the handlers: successes and refusals both", () => {
      const count = (status: string) => result.tally.statuses.get(status) ?? 0;
      assert.equal(result.tally.cases.main + result.tally.cases.state, RUNS + STATE_RUNS);
      assert.ok(count("200") + count("201") + count("204") >= RUNS / 20, `too few successes: ${JSON.stringify([...result.tally.statuses])}`);
      assert.ok(count("400") >= RUNS / 10, `too few 400s: ${JSON.stringify([...result.tally.statuses])}`);
      if (auth) assert.ok(count("401") <= result.tally.requests / 2, `mostly 401s: the tokens do not verify (${count("401")} of ${result.tally.requests})`);
    });
    none("5xx", "no generated request gets a 5xx");
    none("no answer", "every generated request gets an answer");
    none("error shape", "every answer that is not a success has the error shape, with code equal to the status");
    none("request id", "every answer carries x-request-id, the client's own when it sent a sane one");
    none("leak", "no answer leaks a stack trace, SQL, a file path or an address");
    none("method", "a wrong method on a route's path is a 405 with Allow, not a 404");
    none("state", "a refused write changes no user, product or order");
    none("process", "every program is still running and the gateway still ready after the run");

    if (auth) {
      test("fuzz liveness - a program killed after the run is reported, with its last output", async () => {
        await target!.kill!("products");
        const problems = await target!.liveness();
        assert.ok(problems.some((p) => p.startsWith("products is no longer running")), problems.join("\n"));
      });
    }
  });
}
