/**
 * The RPC server on its own: `serve` is fed TransportRequest objects directly, so these tests
 * pin down decoding, validation, dispatch and deadlines without a transport in between.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { type HandlerOf, defineService } from "../contract/index.js";
import type { CallContext } from "../metadata/index.js";
import { DependencyRejectedError, DependencyUnavailableError, type WireError } from "../errors/index.js";
import type { TransportRequest, TransportResponse } from "../transport/index.js";
import { type HandlerWrapper, Server } from "./index.js";

const contract = defineService({
  name: "test",
  handler: "TestService",
  endpoints: {
    Echo: {
      request: Type.Object({ text: Type.String(), count: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
      response: Type.Object({ text: Type.String() }),
    },
    Wait: {
      request: Type.Object({}, { additionalProperties: false }),
      response: Type.Object({ aborted: Type.Boolean() }),
    },
  },
});

function requestOf(endpoint: string, body: string, timeoutMs = 1000): TransportRequest {
  return { service: "test", endpoint, metadata: {}, deadline: Date.now() + timeoutMs, body: Buffer.from(body) };
}

function decoded(response: TransportResponse): unknown {
  return JSON.parse(Buffer.from(response.body).toString());
}

function wireOf(response: TransportResponse): WireError {
  assert.equal(response.ok, false, "expected an error response");
  return decoded(response) as WireError;
}

/** A server whose Wait endpoint reports whether its signal aborted before it gave up waiting. */
function serverWith(handler: Partial<HandlerOf<typeof contract>> = {}): Server {
  const defaults: HandlerOf<typeof contract> = {
    async Echo(request) {
      return { text: request.text };
    },
    async Wait(_request, context: CallContext) {
      await new Promise<void>((resolve) => {
        if (context.signal.aborted) return resolve();
        context.signal.addEventListener("abort", () => resolve(), { once: true });
        // A backstop, so a signal that never aborts fails the test instead of hanging it.
        setTimeout(resolve, 3000).unref();
      });
      return { aborted: context.signal.aborted };
    },
  };
  return new Server({ name: "test" }).handle(contract, { ...defaults, ...handler });
}

describe("server", () => {
  it("server - a valid request reaches the handler and its response is encoded", async () => {
    const response = await serverWith().serve(requestOf("TestService.Echo", '{"text":"hi"}'));
    assert.equal(response.ok, true);
    assert.deepEqual(decoded(response), { text: "hi" });
  });

  it("server - a missing field is a 400 naming it", async () => {
    const wire = wireOf(await serverWith().serve(requestOf("TestService.Echo", "{}")));
    assert.deepEqual([wire.code, wire.id, wire.reason], [400, "test", "invalid_request"]);
    assert.match(wire.detail, /\btext\b/);
    assert.match(wire.detail, /required/);
  });

  it("server - a field of the wrong type is a 400 naming it", async () => {
    const wire = wireOf(await serverWith().serve(requestOf("TestService.Echo", '{"text":"hi","count":"three"}')));
    assert.deepEqual([wire.code, wire.reason], [400, "invalid_request"]);
    assert.equal(wire.detail, "count: must be an integer");
  });

  it("server - an unknown field is a 400 naming it", async () => {
    const wire = wireOf(await serverWith().serve(requestOf("TestService.Echo", '{"text":"hi","colour":"red"}')));
    assert.deepEqual([wire.code, wire.reason], [400, "invalid_request"]);
    assert.equal(wire.detail, "colour: is not a known field");
  });

  it("server - a malformed JSON body is a 400", async () => {
    const wire = wireOf(await serverWith().serve(requestOf("TestService.Echo", '{"text":')));
    assert.deepEqual([wire.code, wire.status, wire.reason], [400, "Bad Request", "invalid_json"]);
  });

  it("server - a body nested deeper than 64 levels is a 400 saying so, without reaching the handler", async () => {
    let reached = 0;
    const server = serverWith({
      async Echo(request) {
        reached++;
        return { text: request.text };
      },
    });
    // 5,000 levels in 30 KB: what overflowed JSON.stringify's stack when it reached a handler's answer.
    const deep = '{"a":'.repeat(4999) + "{}" + "}".repeat(4999);
    for (const body of [deep, `{"text":"x","n":${"[".repeat(64)}${"]".repeat(64)}}`]) {
      const wire = wireOf(await server.serve(requestOf("TestService.Echo", body)));
      assert.deepEqual(wire, { id: "test", code: 400, detail: "request: nests deeper than 64 levels", status: "Bad Request", reason: "nesting_too_deep" });
    }
    // 64 levels in all are decoded, and then judged by the contract like any other request.
    const atLimit = wireOf(await server.serve(requestOf("TestService.Echo", `{"text":"x","n":${"[".repeat(63)}${"]".repeat(63)}}`)));
    assert.equal(atLimit.detail, "n: is not a known field");
    assert.equal(reached, 0);
  });

  it("server - an unknown endpoint is a 404", async () => {
    const response = await serverWith().serve(requestOf("TestService.Nope", "{}"));
    const wire = wireOf(response);
    assert.equal(response.code, 404);
    assert.deepEqual([wire.code, wire.reason], [404, "endpoint_not_found"]);
    assert.match(wire.detail, /TestService\.Nope/);
  });

  it("server - handle() throws at registration when the handler lacks a method", () => {
    const server = new Server({ name: "test" });
    const incomplete = {
      async Echo(request: { text: string }) {
        return { text: request.text };
      },
    };
    assert.throws(
      // @ts-expect-error: the handler type requires every endpoint, so this must not compile either.
      () => server.handle(contract, incomplete),
      /TestService has no method Wait/,
    );
  });

  it("server - endpoints() lists each Handler.Method with its request and response schemas", () => {
    const endpoints = serverWith().endpoints();
    assert.deepEqual(endpoints.map((e) => e.name), ["TestService.Echo", "TestService.Wait"]);
    for (const e of endpoints) {
      assert.equal(typeof e.request, "object");
      assert.equal(typeof e.response, "object");
    }
  });

  it("server - a handler still running at timeoutMs has its context.signal aborted", async () => {
    const response = await serverWith().serve(requestOf("TestService.Wait", "{}", 50));
    assert.equal(response.ok, true);
    assert.deepEqual(decoded(response), { aborted: true });
  });

  it("server - a handler that finishes in time does not see its signal aborted", async () => {
    const server = serverWith({
      async Wait(_request, context) {
        return { aborted: context.signal.aborted };
      },
    });
    assert.deepEqual(decoded(await server.serve(requestOf("TestService.Wait", "{}", 1000))), { aborted: false });
  });

  it("server - an unexpected handler error is a bare 500 and reaches onError", async () => {
    const seen: unknown[] = [];
    const server = new Server({ name: "test", onError: (error) => seen.push(error) }).handle(contract, {
      async Echo() {
        throw new Error("password=hunter2");
      },
      async Wait() {
        return { aborted: false };
      },
    });
    const wire = wireOf(await server.serve(requestOf("TestService.Echo", '{"text":"hi"}')));
    assert.deepEqual(wire, { id: "test", code: 500, detail: "internal error", status: "Internal Server Error", reason: "internal_error" });
    assert.equal(seen.length, 1);
    assert.match(String(seen[0]), /hunter2/);
  });

  it("server - a call whose deadline passed before it started is a 504, and its handler never runs", async () => {
    let ran = 0;
    const server = serverWith({
      async Echo({ text }) {
        ran++;
        return { text };
      },
    });
    const late = { ...requestOf("TestService.Echo", '{"text":"hi"}'), deadline: Date.now() - 1 };
    const wire = wireOf(await server.serve(late));
    assert.deepEqual([wire.code, wire.id, wire.reason], [504, "test", "deadline_exceeded"]);
    assert.equal(ran, 0);
  });

  it("server - middleware sees the code the caller gets: a dependency away is 503, not 500", async () => {
    const codes: number[] = [];
    const recorder: HandlerWrapper = (next) => (call) =>
      next(call).catch((error: unknown) => {
        codes.push((error as { code: number }).code);
        throw error;
      });
    const server = new Server({ name: "test", wrappers: [recorder] }).handle(contract, {
      async Echo() {
        throw new DependencyUnavailableError("database");
      },
      async Wait() {
        return { aborted: false };
      },
    });
    const wire = wireOf(await server.serve(requestOf("TestService.Echo", '{"text":"hi"}')));
    assert.deepEqual([wire.code, wire.detail, wire.reason], [503, "database unavailable", "dependency_unavailable"]);
    assert.deepEqual(codes, [503]);
  });

  it("server - a dependency's refusal is its 4xx under the server's name, and the cause goes to onRejected only", async () => {
    const rejected: Array<{ error: DependencyRejectedError; endpoint: string }> = [];
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    const server = new Server({ name: "test", onRejected: (error, call) => rejected.push({ error, endpoint: call.endpoint }), onError: () => assert.fail("not unexpected") }).handle(contract, {
      async Echo() {
        throw new DependencyRejectedError("database", 400, "a text value contains a character that cannot be stored", { cause });
      },
      async Wait() {
        return { aborted: false };
      },
    });
    const response = await server.serve(requestOf("TestService.Echo", '{"text":"hi"}'));
    assert.equal(response.ok, false);
    assert.equal(response.code, 400);
    assert.deepEqual(wireOf(response), { id: "test", code: 400, detail: "a text value contains a character that cannot be stored", status: "Bad Request", reason: "value_not_storable" });
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.endpoint, "TestService.Echo");
    assert.equal(rejected[0]?.error.cause, cause);
  });
});
