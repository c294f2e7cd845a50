/**
 * Validation shared by the RPC server and the gateway: the sentence that names the field, the
 * strict numeric-string formats used for path and query parameters, and money's two decimals.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type TSchema, Type } from "@sinclair/typebox";
import { TEXT_PATTERN, createAjv, describeValidationError } from "./index.js";

const ajv = createAjv();

/** The sentence for `value` against `schema`, or undefined when it is valid. */
function problem(schema: TSchema, value: unknown, root = "body"): string | undefined {
  const validate = ajv.compile(schema);
  return validate(value) ? undefined : describeValidationError(validate.errors, root);
}

const User = Type.Object(
  {
    email: Type.String({ format: "email" }),
    name: Type.String(),
    age: Type.Optional(Type.Integer()),
    tags: Type.Optional(Type.Array(Type.Object({ id: Type.Integer() }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

const Text = Type.String({ minLength: 1, maxLength: 200, pattern: TEXT_PATTERN });

/** Every C0 control (U+0000-U+001F), DEL (U+007F) and every C1 control (U+0080-U+009F). */
const CONTROLS = [...Array.from({ length: 0x20 }, (_, i) => i), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)].map((c) => String.fromCharCode(c));

const Money = Type.Number({ exclusiveMinimum: 0, maximum: 9_999_999_999.99, maxDecimals: 2 });

describe("validation", () => {
  it("validation - a missing field is named as required", () => {
    assert.equal(problem(User, { email: "a@b.co" }), "name: is required");
  });

  it("validation - an unknown field is named as not known", () => {
    assert.equal(problem(User, { email: "a@b.co", name: "A", admin: true }), "admin: is not a known field");
  });

  it("validation - a wrong type names the field and the expected type", () => {
    assert.equal(problem(User, { email: "a@b.co", name: "A", age: "7" }), "age: must be an integer");
    assert.equal(problem(User, { email: "a@b.co", name: 7 }), "name: must be a string");
  });

  it("validation - a bad format names the field", () => {
    assert.equal(problem(User, { email: "not-an-email", name: "A" }), "email: must be a valid email address");
    assert.equal(problem(Type.Object({ at: Type.String({ format: "date-time" }) }), { at: "yesterday" }), "at: must be a valid date-time");
  });

  it("validation - nested fields are named by their path", () => {
    assert.equal(problem(User, { email: "a@b.co", name: "A", tags: [{ id: 1 }, { id: "x" }] }), "tags.1.id: must be an integer");
    assert.equal(problem(User, { email: "a@b.co", name: "A", tags: [{ id: 1, x: 2 }] }), "tags.0.x: is not a known field");
  });

  it("validation - a problem with the whole value names the root", () => {
    assert.equal(problem(User, "text", "request"), "request: must be an object");
    assert.equal(describeValidationError(null, "request"), "request: is invalid");
  });

  it("validation - id, count and limit accept plain positive decimal strings", () => {
    for (const format of ["id", "count", "limit"]) {
      for (const value of ["1", "500"]) assert.equal(problem(Type.String({ format }), value), undefined, `${format} ${value}`);
    }
    assert.equal(problem(Type.String({ format: "id" }), "9007199254740991"), undefined);
    // An offset of zero is the first page.
    assert.equal(problem(Type.String({ format: "count" }), "0"), undefined);
  });

  it("validation - id, count and limit reject anything a lax number parse would take", () => {
    const rejectedByAll = ["-1", "1.5", "1e3", "0x10", " 1", "1 ", "", "01", "+1", "9007199254740992", "abc"];
    for (const format of ["id", "count", "limit"]) {
      for (const value of rejectedByAll) {
        assert.ok(problem(Type.String({ format }), value) !== undefined, `${format} accepted ${JSON.stringify(value)}`);
      }
    }
    for (const format of ["id", "limit"]) assert.ok(problem(Type.String({ format }), "0") !== undefined, `${format} accepted "0"`);
  });

  it("validation - numeric formats explain themselves", () => {
    assert.equal(problem(Type.Object({ id: Type.String({ format: "id" }) }), { id: "0" }), "id: must be a positive integer");
    assert.equal(problem(Type.Object({ offset: Type.String({ format: "count" }) }), { offset: "-1" }), "offset: must be a non-negative integer");
    assert.equal(problem(Type.Object({ limit: Type.String({ format: "limit" }) }), { limit: "501" }), "limit: must be an integer from 1 to 500");
  });

  it("validation - money accepts up to two decimals across its whole range", () => {
    for (const value of [99.99, 0.01, 1234567.89, 19.99, 1.15, 0.07, 8667294495.79, 9_999_999_999.99]) {
      assert.equal(problem(Money, value), undefined, `rejected ${value}`);
    }
  });

  it("validation - money rejects more than two decimals, zero and negatives", () => {
    for (const value of [1.999, 0.001, 12.345, 0.0001, 1.000001, 9_999_999_999.999]) assert.ok(problem(Money, value) !== undefined, `accepted ${value}`);
    assert.equal(problem(Type.Object({ amount: Money }), { amount: 1.999 }), "amount: must have at most two decimals");
    assert.ok(problem(Money, 0) !== undefined);
    assert.ok(problem(Money, -5) !== undefined);
  });

  it("validation - text refuses every C0 and C1 control character and DEL, anywhere in the value", () => {
    assert.equal(CONTROLS.length, 65);
    for (const control of CONTROLS) {
      for (const value of [`x${control}`, `${control}x`, `a${control}b`, control]) {
        const code = control.charCodeAt(0).toString(16);
        assert.equal(problem(Type.Object({ name: Text }), { name: value }), "name: must not contain control characters", `U+${code} in ${JSON.stringify(value)}`);
      }
    }
  });

  it("validation - text accepts letters, marks, spaces, symbols and characters outside the BMP", () => {
    for (const value of ["Alice", "Zoë Ñúñez", "李小龍", "Ølstue & Co.", "a b", "x\u00a0y", "🦊 fox", "‘quoted’ — dash", "\u00a1\u00ff\ufffd"]) {
      assert.equal(problem(Text, value), undefined, JSON.stringify(value));
    }
  });

  it("validation - other patterns keep Ajv's own words", () => {
    assert.equal(problem(Type.Object({ code: Type.String({ pattern: "^[a-z]+$" }) }), { code: "A" }), 'code: must match pattern "^[a-z]+$"');
  });
});
