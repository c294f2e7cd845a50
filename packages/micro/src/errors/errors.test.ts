/**
 * The wire error: every constructor's code and status text, the exact JSON that crosses the
 * wire, and the rebuild on the caller's side, including what a broken peer can send instead.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  MICRO_REASONS,
  MicroError,
  REASON_PATTERN,
  badRequest,
  conflict,
  forbidden,
  gatewayTimeout,
  internal,
  isMicroError,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
  statusText,
  timeout,
  tooManyRequests,
  unauthorized,
  unavailable,
  unprocessable,
} from "./index.js";

const CONSTRUCTORS = [
  [badRequest, 400, "Bad Request"],
  [unauthorized, 401, "Unauthorized"],
  [forbidden, 403, "Forbidden"],
  [notFound, 404, "Not Found"],
  [methodNotAllowed, 405, "Method Not Allowed"],
  [timeout, 408, "Request Timeout"],
  [conflict, 409, "Conflict"],
  [payloadTooLarge, 413, "Payload Too Large"],
  [unprocessable, 422, "Unprocessable Entity"],
  [tooManyRequests, 429, "Too Many Requests"],
  [internal, 500, "Internal Server Error"],
  [unavailable, 503, "Service Unavailable"],
  [gatewayTimeout, 504, "Gateway Timeout"],
] as const;

describe("errors", () => {
  it("errors - every constructor sets its code, status text, id and detail", () => {
    for (const [make, code, status] of CONSTRUCTORS) {
      const error = make("users", `detail ${code}`);
      assert.ok(error instanceof MicroError && error instanceof Error);
      assert.deepEqual(
        { id: error.id, code: error.code, detail: error.detail, status: error.status, message: error.message, name: error.name },
        { id: "users", code, detail: `detail ${code}`, status, message: `detail ${code}`, name: "MicroError" },
      );
    }
  });

  it("errors - the constructors' codes are unique", () => {
    const codes = CONSTRUCTORS.map(([, code]) => code);
    assert.equal(new Set(codes).size, codes.length);
  });

  it("errors - a cause is kept locally but never serialised", () => {
    const cause = new Error("connect ECONNREFUSED postgres://admin:secret@db");
    const error = internal("users", "internal error", { cause });
    assert.equal(error.cause, cause);
    assert.doesNotMatch(JSON.stringify(error), /secret|ECONNREFUSED|stack/);
  });

  it("errors - toJSON has exactly id, code, detail and status, and reason when there is one", () => {
    const error = notFound("users", "user 42 not found");
    assert.equal(error.reason, undefined);
    assert.deepEqual(Object.keys(error.toJSON()).sort(), ["code", "detail", "id", "status"]);
    assert.deepEqual(JSON.parse(JSON.stringify(error)), { id: "users", code: 404, detail: "user 42 not found", status: "Not Found" });
    const reasoned = notFound("users", "no route for /x", { reason: "route_not_found" });
    assert.equal(reasoned.reason, "route_not_found");
    assert.deepEqual(JSON.parse(JSON.stringify(reasoned)), { id: "users", code: 404, detail: "no route for /x", status: "Not Found", reason: "route_not_found" });
  });

  it("errors - fromWire keeps a reason, whichever table it is from", () => {
    const sent = unavailable("users", "circuit open", { reason: "circuit_open" });
    assert.deepEqual(MicroError.fromWire(JSON.parse(JSON.stringify(sent)), "users").toJSON(), sent.toJSON());
    // An application's reason is not in the toolkit's table; it still passes through a caller.
    const rebuilt = MicroError.fromWire({ id: "users", code: 409, detail: "taken", status: "Conflict", reason: "email_taken" }, "users");
    assert.equal(rebuilt.reason, "email_taken");
    assert.deepEqual(rebuilt.toJSON(), { id: "users", code: 409, detail: "taken", status: "Conflict", reason: "email_taken" });
  });

  it("errors - fromWire drops a reason that is not a short snake_case word, keeping the rest", () => {
    for (const reason of [42, null, "", "Email Taken", "email-taken", "emailTaken", "_x", "x_", "a__b", "9lives", "x".repeat(65), "<script>", { x: 1 }]) {
      const rebuilt = MicroError.fromWire({ id: "users", code: 409, detail: "taken", reason }, "users");
      assert.equal(rebuilt.reason, undefined, `for ${JSON.stringify(reason)}`);
      assert.deepEqual(rebuilt.toJSON(), { id: "users", code: 409, detail: "taken", status: "Conflict" });
    }
    assert.equal(MicroError.fromWire({ id: "users", code: 409, detail: "x", reason: "x".repeat(64) }, "users").reason, "x".repeat(64));
  });

  it("errors - the toolkit's reasons are snake_case words, each with its codes and a meaning", () => {
    for (const [reason, entry] of Object.entries(MICRO_REASONS)) {
      assert.match(reason, REASON_PATTERN);
      assert.ok(entry.status.length > 0 && entry.status.every((code) => code >= 400 && code <= 599), reason);
      assert.ok(entry.meaning.length > 0, reason);
    }
  });

  it("errors - fromWire rebuilds an error that crossed the wire intact", () => {
    for (const [make, code] of CONSTRUCTORS) {
      const sent = make("orders", `détail ${code} ✓`);
      const rebuilt = MicroError.fromWire(JSON.parse(JSON.stringify(sent)), "fallback");
      assert.ok(isMicroError(rebuilt));
      assert.deepEqual(rebuilt.toJSON(), sent.toJSON());
    }
  });

  it("errors - fromWire turns anything else into a 500 from the fallback id", () => {
    const garbage: unknown[] = [
      undefined,
      null,
      "user not found",
      42,
      [],
      {},
      { id: "users", code: 404 },
      { id: "users", code: "404", detail: "x" },
      { id: "users", code: 404.5, detail: "x" },
      { id: "users", code: 200, detail: "fine" },
      { id: "users", code: 700, detail: "x" },
      { id: 7, code: 404, detail: "x" },
      { code: 404, detail: "x", status: "Not Found" },
    ];
    for (const value of garbage) {
      const error = MicroError.fromWire(value, "users");
      assert.equal(error.code, 500, `for ${JSON.stringify(value)}`);
      assert.equal(error.id, "users");
      assert.equal(error.status, "Internal Server Error");
      assert.equal(error.detail, "malformed error from users");
      assert.equal(error.reason, "malformed_error");
    }
  });

  it("errors - fromWire takes the status text from the code, not from the peer", () => {
    const rebuilt = MicroError.fromWire({ id: "users", code: 409, detail: "taken", status: "Totally Fine" }, "users");
    assert.equal(rebuilt.status, "Conflict");
  });

  it("errors - statusText falls back by class for codes it does not name", () => {
    assert.equal(statusText(418), "Error");
    assert.equal(statusText(599), "Internal Server Error");
    assert.equal(new MicroError("x", 418, "teapot").status, "Error");
  });

  it("errors - isMicroError accepts only MicroError instances", () => {
    assert.equal(isMicroError(notFound("users", "x")), true);
    assert.equal(isMicroError(new Error("x")), false);
    assert.equal(isMicroError({ id: "users", code: 404, detail: "x", status: "Not Found" }), false);
  });

  it("errors - local marks an error the caller made; it is kept locally, never serialised, never rebuilt", () => {
    const made = unavailable("users", "service users has no reachable node", { local: true });
    assert.equal(made.local, true);
    assert.equal(notFound("users", "x").local, false);
    assert.deepEqual(Object.keys(made.toJSON()).sort(), ["code", "detail", "id", "status"]);
    assert.doesNotMatch(JSON.stringify(made), /local/);
    const rebuilt = MicroError.fromWire(JSON.parse(JSON.stringify(made)), "users");
    assert.equal(rebuilt.local, false, "what crossed the wire is the callee's answer");
    assert.equal(MicroError.fromWire({ id: "users", code: 503, detail: "x", local: true }, "users").local, false, "a peer cannot mark its error local");
  });
});
