/**
 * The contracts' text fields hold one rule for every validator: the services' Servers and the
 * gateway compile these same schemas, so a name with a control character is refused at both with
 * the same sentence, before it can reach a database (PostgreSQL refuses NUL with an error).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAjv, describeValidationError } from "@gw/micro";
import { products, users } from "./index.js";

const ajv = createAjv();

function problem(schema: object, value: unknown): string | undefined {
  const validate = ajv.compile(schema);
  return validate(value) ? undefined : describeValidationError(validate.errors, "request");
}

describe("proto text fields", () => {
  it("proto - user and product names refuse NUL, other controls and DEL in every endpoint that takes them", () => {
    const cases = [
      [users.endpoints.Create.request, { email: "a@example.com" }],
      [users.endpoints.Update.request, { id: 2 }],
      [products.endpoints.Create.request, { price: 1 }],
      [products.endpoints.Update.request, { id: 100 }],
    ] as const;
    for (const [schema, rest] of cases) {
      for (const name of ["x\u0000", "line\nbreak", "tab\there", "bell\u0007", "del\u007f", "csi\u009b"]) {
        assert.equal(problem(schema, { ...rest, name }), "name: must not contain control characters", JSON.stringify(name));
      }
      assert.equal(problem(schema, { ...rest, name: "Zoë 李 🦊" }), undefined);
    }
  });

  it("proto - an email with a control character is refused by its format", () => {
    assert.equal(problem(users.endpoints.Create.request, { email: "a\u0000@example.com", name: "A" }), "email: must be a valid email address");
    assert.equal(problem(users.endpoints.Create.request, { email: "a@example.com\n", name: "A" }), "email: must be a valid email address");
  });
});
