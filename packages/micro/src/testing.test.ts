/**
 * The two helpers every package's tests wait with: the manual clock (time moves only on
 * `advance`, timers fire in time order within it) and `waitFor` (polls until true, fails with
 * what it waited for).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock, waitFor } from "./testing.js";

describe("testing helpers", () => {
  test("ManualClock - time moves only on advance; timers fire in time order, at their own time", () => {
    const clock = new ManualClock(1_000);
    const { now } = clock;
    assert.equal(now(), 1_000);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(["b", clock.now()]), 200);
    clock.setTimeout(() => fired.push(["a", clock.now()]), 100);
    const cleared = clock.setTimeout(() => fired.push(["never", clock.now()]), 150);
    clock.clearTimeout(cleared);
    clock.advance(99);
    assert.equal(fired.length, 0);
    // Set at 1 099: fires at 1 219, and the timer it sets at 1 269, within the same advance.
    clock.setTimeout(() => clock.setTimeout(() => fired.push(["c", clock.now()]), 50), 120);
    clock.advance(200);
    assert.deepEqual(fired, [["a", 1_100], ["b", 1_200], ["c", 1_269]]);
    assert.equal(now(), 1_299);
    assert.equal(clock.pendingTimers, 0);
    assert.throws(() => clock.advance(-1), /ms must be 0 or more/);
  });

  test("waitFor - resolves with the first truthy value, retrying through errors", async () => {
    let tries = 0;
    const value = await waitFor(() => {
      tries++;
      if (tries < 3) throw new Error("not yet");
      return tries === 5 ? "done" : undefined;
    }, { intervalMs: 1 });
    assert.equal(value, "done");
    assert.equal(tries, 5);
  });

  test("waitFor - fails after timeoutMs, naming what it waited for and the last error", async () => {
    await assert.rejects(
      waitFor(() => {
        throw new Error("still down");
      }, { timeoutMs: 30, intervalMs: 5, what: "the backend" }),
      /waitFor: the backend not met within 30 ms; last error: still down/,
    );
    await assert.rejects(waitFor(() => false, { timeoutMs: 20 }), /the condition not met within 20 ms$/);
  });
});
