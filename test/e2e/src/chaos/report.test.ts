/**
 * The report: one Markdown row per scenario that pastes into the README as it is, and notes that
 * name every violation apart from the aims, which are reported only.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatNotes, formatTable } from "./report.js";
import type { ScenarioResult } from "./run.js";

const RESULT: ScenarioResult = {
  scenario: "stop-orders",
  description: "SIGSTOP one of two orders instances, then SIGCONT",
  transport: "tcp",
  availability: { transport: "tcp", requests: 12_345, failed: 32, failedPercent: 0.259, failures: { "504": 30, timeout: 2 }, details: { "504 orders did not answer in time": 30 }, failureWindowMs: 10_194, longestStallMs: 4_892, recoveryMs: null, beforeFaultRps: 700 },
  orders: { acknowledged: 6_000, lost: 0, doubled: 1, unanswered: 32, unansweredThenFound: 31, retriesFailed: 0, problems: ["order 7 has no idempotency key: made twice"] },
  fault: { startMs: 3_010, endMs: 13_010, victims: [], events: [{ atMs: 3_010, what: "SIGSTOP orders#2" }] },
  findings: ["users exited (code 1) though the scenario did not end it"],
  unmet: ["failed % 0.259 (aim: at most 0.5)"],
};

test("chaos report - one Markdown row per scenario, every line with the same columns", () => {
  const lines = formatTable([RESULT, { ...RESULT, scenario: "kill-orders" }]).split("\n");
  assert.equal(lines.length, 4);
  const columns = (line: string) => line.split("|").length;
  for (const line of lines) assert.equal(columns(line), columns(lines[0] ?? ""), line);
  assert.match(lines[1] ?? "", /^\| -+ \| -+ \| -+: \|/);
  const cells = (lines[2] ?? "").split("|").map((c) => c.trim());
  assert.deepEqual(cells.slice(1, -1), ["stop-orders", "tcp", "12,345", "32 (0.259 %)", "504×30 timeout×2", "10,194", "4,892", "never", "6,000", "0", "1", "32", "31"]);
});

test("chaos report - the notes give the fault's timeline, each violation, the aims as reported only, and what did not run", () => {
  const notes = formatNotes([RESULT], [{ scenario: "kill-orders", error: "the system did not become ready" }]);
  assert.match(notes, /^stop-orders \(tcp\): .*700 right answers\/s in the 2 s before the fault; 3\.01 s SIGSTOP orders#2/);
  assert.match(notes, /\n  30× 504 orders did not answer in time\n/);
  assert.match(notes, /VIOLATION: users exited/);
  assert.match(notes, /VIOLATION: order 7 has no idempotency key/);
  assert.match(notes, /aim not met \(reported only\): failed %/);
  assert.match(notes, /kill-orders: DID NOT RUN: the system did not become ready/);
});
