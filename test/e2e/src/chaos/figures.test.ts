/**
 * The availability figures computed from recorded requests: failures by kind, the failure window,
 * the longest stall, recovery after the fault; and which process exits count as findings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RECOVERED_RUN, availability, recoveryMs } from "./figures.js";
import type { Sample, Trouble } from "./load.js";
import { unexpectedExits } from "./run.js";

const get = { kind: "get-user", userId: 1 } as const;

function sample(sentMs: number, answeredMs: number, status: number, trouble?: Trouble, detail?: string): Sample {
  const ok = status === 200 && trouble === undefined;
  return { request: get, sentMs, answeredMs, status, ok, ...(trouble ? { trouble } : {}), ...(detail ? { detail } : {}) };
}

/** `count` right answers, one every `everyMs` from `fromMs`. */
function rightAnswers(fromMs: number, count: number, everyMs = 1): Sample[] {
  return Array.from({ length: count }, (_, i) => sample(fromMs + i * everyMs - 1, fromMs + i * everyMs, 200));
}

test("chaos figures - failures are counted by status and by trouble, over the window from the first sent to the last answered", () => {
  const samples = [...rightAnswers(0, 10), sample(100, 150, 503), sample(120, 5120, 504), sample(130, 15_130, 0, "timeout"), sample(140, 141, 0, "connection"), sample(200, 210, 200, "wrong-body"), ...rightAnswers(15_200, 5)];
  const a = availability(samples, { startMs: 100, endMs: 200 }, "tcp");
  assert.equal(a.requests, 20);
  assert.equal(a.failed, 5);
  assert.equal(a.failedPercent, 25);
  assert.deepEqual(a.failures, { "503": 1, "504": 1, timeout: 1, connection: 1, "wrong-body": 1 });
  assert.equal(a.failureWindowMs, 15_130 - 100);
  assert.equal(a.beforeFaultRps, 100, "10 right answers in the 100 ms before the fault");
  const open = (at: number) => sample(at, at + 1, 503, undefined, "service orders is failing; circuit open");
  const late = (id: number) => sample(0, 5000, 504, undefined, `users did not answer in time (call ${id})`);
  const details = availability([open(1), open(2), late(17), late(23), open(3)], { startMs: 0, endMs: 0 }, "tcp").details;
  assert.deepEqual(details, { "503 service orders is failing; circuit open": 3, "504 users did not answer in time (call N)": 2 });
  const steady = [...rightAnswers(0, 100, 10), ...rightAnswers(3_000, 3_000)];
  assert.equal(availability(steady, { startMs: 4_000, endMs: 4_000 }, "tcp").beforeFaultRps, 500, "the last 2 s before the fault: 1000 answers");
});

test("chaos figures - the longest stall is the longest time without any answer, counted from the load's start", () => {
  const samples = [...rightAnswers(50, 10), sample(60, 2_059, 200), ...rightAnswers(2_100, 10)];
  assert.equal(availability(samples, { startMs: 0, endMs: 0 }, "tcp").longestStallMs, 2_059 - 59);
  assert.equal(availability(rightAnswers(700, 3), { startMs: 0, endMs: 0 }, "tcp").longestStallMs, 700);
});

test("chaos figures - recovery is from the fault's end to the first of a run of right answers", () => {
  const failuresAfterEnd = [sample(900, 1_100, 503), sample(950, 1_300, 503)];
  const samples = [...rightAnswers(0, 50), ...failuresAfterEnd, ...rightAnswers(1_400, 2), sample(1_401, 1_450, 503), ...rightAnswers(1_500, RECOVERED_RUN)];
  const a = availability(samples, { startMs: 500, endMs: 1_000 }, "tcp");
  assert.equal(a.recoveryMs, 500, "the short run at 1400 ms does not count: a failure follows it");
  assert.equal(recoveryMs(samples, 1_000), 500);
  assert.equal(availability(rightAnswers(0, 500), { startMs: 100, endMs: 100 }, "tcp").recoveryMs, 0, "never failing is recovered at once");
});

test("chaos figures - a short run of right answers at the end is recovery in the report, but not yet while the load runs", () => {
  const samples = [sample(0, 900, 503), ...rightAnswers(1_000, 10)];
  assert.equal(availability(samples, { startMs: 500, endMs: 500 }, "tcp").recoveryMs, 500);
  assert.equal(recoveryMs(samples, 500), null, "the load goes on until a full run");
  assert.equal(availability([...samples, sample(1_100, 1_200, 503)], { startMs: 500, endMs: 500 }, "tcp").recoveryMs, null, "failing at the end: never");
});

test("chaos figures - an exit is unexpected unless the scenario ended that instance, once per ending", () => {
  const exit = (instance: "orders#2" | "users", signal: NodeJS.Signals | null) => ({ instance, code: signal ? null : 1, signal, at: 0 });
  assert.deepEqual(unexpectedExits([exit("orders#2", "SIGKILL")], ["orders#2"]), []);
  const lines = unexpectedExits([exit("orders#2", "SIGKILL"), exit("orders#2", null), exit("users", null)], ["orders#2"]);
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? "", /^orders#2 exited \(code 1\)/);
  assert.match(lines[1] ?? "", /^users exited/);
});
