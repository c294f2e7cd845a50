/**
 * What the load sends and how an answer is judged: the seeded mix repeats with its seed and
 * gives every order its own key; a 2xx counts as right only when it says what was asked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { judge } from "./load.js";
import { Mix, type Request } from "./mix.js";

const ORDER: Request = { kind: "create-order", key: "k-1", body: { user_id: 2, product_id: 101, amount: 12.34 } };

test("chaos load - the mix repeats with its seed, keeps to the demo data, and never reuses a key", () => {
  const take = (seed: number) => Array.from({ length: 2000 }, ((mix) => () => mix.next())(new Mix(seed, "p")));
  const first = take(5);
  assert.deepEqual(take(5), first);
  assert.notDeepEqual(take(6), first);
  const orders = first.flatMap((r) => (r.kind === "create-order" ? [r] : []));
  assert.ok(orders.length > 800 && orders.length < 1200, `about half are orders: ${orders.length}`);
  assert.equal(new Set(orders.map((o) => o.key)).size, orders.length);
  for (const o of orders) {
    assert.ok(o.body.user_id >= 1 && o.body.user_id <= 3 && o.body.product_id >= 100 && o.body.product_id <= 102);
    assert.equal(Math.round(o.body.amount * 100) / 100, o.body.amount);
    assert.ok(o.body.amount >= 1 && o.body.amount < 100);
  }
});

test("chaos load - a 2xx is right only when it carries what was asked for", () => {
  const user = { kind: "get-user", userId: 3 } as const;
  assert.deepEqual(judge(user, 200, `{"user":{"id":3,"email":"c@example.com","name":"C"}}`), { status: 200, ok: true });
  assert.deepEqual(judge(user, 200, `{"user":{"id":1}}`), { status: 200, ok: false, trouble: "wrong-body" });
  assert.deepEqual(judge(ORDER, 201, `{"order":{"id":9,"user_id":2,"product_id":101,"amount":12.34}}`), { status: 201, ok: true, orderId: 9 });
  assert.deepEqual(judge(ORDER, 201, `{"order":{"id":9,"user_id":2,"product_id":101,"amount":1}}`), { status: 201, ok: false, trouble: "wrong-body" });
  assert.deepEqual(judge(ORDER, 200, `not json`), { status: 200, ok: false, trouble: "wrong-body" });
});

test("chaos load - an error answer keeps its status and detail", () => {
  const body = `{"id":"orders","code":503,"detail":"service orders is failing; circuit open","status":"Service Unavailable"}`;
  assert.deepEqual(judge(ORDER, 503, body), { status: 503, ok: false, detail: "service orders is failing; circuit open" });
  assert.deepEqual(judge(ORDER, 502, "<html>"), { status: 502, ok: false });
});
