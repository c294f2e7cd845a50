/**
 * The contracts' catalog: every endpoint the gateway routes declares who may call it (the gateway
 * would otherwise keep it for admins), what it does, and examples that its own schemas accept.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createAjv, endpointsOf } from "@gw/micro";
import { orders, products, users } from "./index.js";

const endpoints = [users, products, orders].flatMap((contract) => endpointsOf(contract));

test("catalog - every bound endpoint declares a rule and a summary", () => {
  for (const e of endpoints.filter((e) => (e.metadata.http ?? []).length > 0)) {
    assert.ok(e.metadata.auth !== undefined, `${e.name} has no auth rule`);
    assert.ok(e.metadata.summary, `${e.name} has no summary`);
  }
});

test("catalog - every example is valid against the schemas it illustrates", () => {
  const ajv = createAjv();
  let checked = 0;
  for (const e of endpoints) {
    for (const example of e.metadata.examples ?? []) {
      assert.ok(ajv.validate(e.request, structuredClone(example.request)), `${e.name} request: ${ajv.errorsText()}`);
      if (example.response !== undefined) assert.ok(ajv.validate(e.response, example.response), `${e.name} response: ${ajv.errorsText()}`);
      checked++;
    }
  }
  assert.ok(checked >= 8, `only ${checked} examples`);
});
