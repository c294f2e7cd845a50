/**
 * The conformance suite every Transport implementation runs (HTTP now, NATS later), so that the
 * client and server above it cannot tell which one carries their calls. Each test opens its own
 * transport, listener and client and closes them when it ends, so one test's leftovers (a handler
 * that never answers, a half-closed listener) cannot leak into the next.
 * Time bounds are generous upper limits on things that must not hang, never performance claims.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { type TestContext, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import {
  CallTimeoutError,
  ConnectionError,
  ConnectionLostError,
  type Listener,
  type Transport,
  type TransportClient,
  type TransportHandler,
  type TransportRequest,
  type TransportResponse,
  MAX_MESSAGE_BYTES,
} from "./index.js";

export interface TransportUnderTest {
  readonly transport: Transport;
  /** What to pass to `listen`: `127.0.0.1:0` for socket transports. */
  readonly listenAddress: string;
  /** An address where nothing listens, so a request there is never delivered. */
  unreachableAddress(): Promise<string>;
  /**
   * Sends `address` something that is not a call, as a stray client of the transport would, and
   * returns the status and wire error the node answered with. Absent for a transport whose answer
   * to garbage is to close the connection (TCP; its own tests cover that).
   */
  notACall?(address: string): Promise<{ readonly code: number; readonly body: unknown }>;
  /**
   * Starts a call with `client` that is delivered and then loses its connection before an answer
   * (a node killed mid-call, a connection dropped): the transport must reject it with
   * ConnectionLostError, not wait for its deadline.
   */
  loseMidCall(t: TestContext, client: TransportClient): Promise<{ readonly pending: Promise<TransportResponse> }>;
  cleanup(): Promise<void>;
}

export type TransportFactory = () => Promise<TransportUnderTest>;

/**
 * Every call's timeoutMs unless a test sets its own: far above what any of these calls needs, so
 * that a call a broken transport never answers fails with CallTimeoutError instead of hanging.
 */
const HANG_MS = 5000;

export function transportConformance(label: string, create: TransportFactory): void {
  describe(`${label} transport conformance`, () => {
    roundTripTests(create);
    failureTests(create);
    limitTests(create);
    lifecycleTests(create);
  });
}

interface Harness {
  readonly under: TransportUnderTest;
  readonly listener: Listener;
  readonly client: TransportClient;
}

/** Listens with `handler` and opens a client; both are closed when the test ends. */
export async function harness(t: TestContext, create: TransportFactory, handler: TransportHandler): Promise<Harness> {
  const under = await create();
  const listener = await under.transport.listen(under.listenAddress, handler);
  const client = under.transport.client();
  t.after(async () => {
    await client.close();
    await listener.close(0);
    await under.cleanup();
  });
  return { under, listener, client };
}

/** A request; `timeoutMs` sets its deadline that long from now. */
export function requestOf(body: Uint8Array | string, overrides: Partial<TransportRequest> & { timeoutMs?: number } = {}): TransportRequest {
  const { timeoutMs = HANG_MS, ...rest } = overrides;
  return {
    service: "echo",
    endpoint: "EchoService.Echo",
    metadata: {},
    deadline: Date.now() + timeoutMs,
    body: typeof body === "string" ? Buffer.from(body) : body,
    ...rest,
  };
}

/** Resolves once `predicate` holds; fails instead of spinning forever when it never does. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_MS;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** A handler result that can be settled from the test, for handlers that must wait. */
function gate(t: TestContext): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  t.after(() => open());
  return { wait, open };
}

function roundTripTests(create: TransportFactory): void {
  it("transport - service, endpoint, body bytes and metadata arrive as sent, and the response comes back", async (t) => {
    const seen: TransportRequest[] = [];
    const { client, listener } = await harness(t, create, async (request) => {
      seen.push(request);
      return { ok: true, body: Buffer.concat([Buffer.from("re:"), request.body]) };
    });
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const metadata = { "request-id": "r-1", greeting: "héllo ✓", empty: "", traceparent: "00-abc-def-01" };
    const deadline = Date.now() + 1500;
    const response = await client.request(
      listener.address,
      requestOf(body, { service: "users", endpoint: "UsersService.Get", metadata, deadline }),
    );
    assert.equal(response.ok, true);
    assert.deepEqual(Buffer.from(response.body), Buffer.concat([Buffer.from("re:"), body]));
    assert.equal(seen.length, 1);
    const [arrived] = seen as [TransportRequest];
    assert.equal(arrived.service, "users");
    assert.equal(arrived.endpoint, "UsersService.Get");
    assert.deepEqual(Buffer.from(arrived.body), body);
    assert.deepEqual({ ...arrived.metadata }, metadata);
    // The absolute deadline arrives as sent: time spent in transit or in a socket buffer counts.
    assert.equal(arrived.deadline, deadline);
  });

  it("transport - an empty body and empty metadata round-trip", async (t) => {
    const { client, listener } = await harness(t, create, async (request) => ({ ok: true, body: request.body }));
    const response = await client.request(listener.address, requestOf(Buffer.alloc(0)));
    assert.equal(response.ok, true);
    assert.equal(response.body.byteLength, 0);
  });

  it("transport - an error response arrives with ok false, its code and its body", async (t) => {
    const wire = Buffer.from(JSON.stringify({ id: "users", code: 404, detail: "user 42 not found", status: "Not Found", reason: "user_not_found" }));
    const { client, listener } = await harness(t, create, async () => ({ ok: false, code: 404, body: wire }));
    const response = await client.request(listener.address, requestOf("{}"));
    assert.equal(response.ok, false);
    assert.equal(response.code, 404);
    assert.deepEqual(Buffer.from(response.body), wire);
  });

  it("transport - 200 concurrent requests each get their own response", async (t) => {
    const { client, listener } = await harness(t, create, async (request) => {
      const n = Number(Buffer.from(request.body).toString());
      // Uneven waits make responses finish out of order, which is what could cross them.
      await delay(n % 7);
      return { ok: true, body: Buffer.from(`${n}:${request.metadata["n"]}:${request.endpoint}`) };
    });
    const calls = Array.from({ length: 200 }, (_, n) =>
      client.request(listener.address, requestOf(String(n), { metadata: { n: String(n) }, endpoint: `E.M${n}` })),
    );
    const responses = await Promise.all(calls);
    responses.forEach((response, n) => {
      assert.equal(response.ok, true);
      assert.equal(Buffer.from(response.body).toString(), `${n}:${n}:E.M${n}`);
    });
  });

  it("transport - a 1 MiB body round-trips intact", async (t) => {
    const { client, listener } = await harness(t, create, async (request) => ({ ok: true, body: request.body }));
    const body = randomBytes(1024 * 1024);
    const response = await client.request(listener.address, requestOf(body));
    assert.equal(response.ok, true);
    assert.ok(Buffer.from(response.body).equals(body), "the body came back changed");
  });
}

function failureTests(create: TransportFactory): void {
  it("transport - a request to an address where nothing listens rejects with ConnectionError", async (t) => {
    const under = await create();
    const client = under.transport.client();
    t.after(async () => {
      await client.close();
      await under.cleanup();
    });
    const address = await under.unreachableAddress();
    await assert.rejects(client.request(address, requestOf("{}")), ConnectionError);
  });

  it("transport - a call not answered within timeoutMs rejects promptly with CallTimeoutError; the next call still works", async (t) => {
    const release = gate(t);
    let arrived = false;
    const { client, listener } = await harness(t, create, async (request) => {
      if (Buffer.from(request.body).toString() !== "slow") return { ok: true, body: request.body };
      arrived = true;
      await release.wait;
      return { ok: true, body: Buffer.from("late") };
    });
    const timeoutMs = 200;
    const started = performance.now();
    // Raced with a bound of its own: a transport that ignores timeoutMs would otherwise hang here.
    const outcome = await Promise.race([
      client.request(listener.address, requestOf("slow", { timeoutMs })).then(
        (response) => ({ response }),
        (error: unknown) => ({ error }),
      ),
      delay(HANG_MS, { hung: true }, { ref: false }),
    ]);
    const took = performance.now() - started;
    assert.ok(arrived, "the call never reached the handler");
    assert.ok("error" in outcome, `the call was not rejected: ${JSON.stringify(outcome)}`);
    const { error } = outcome;
    assert.ok(error instanceof CallTimeoutError, `expected CallTimeoutError, got ${String(error)}`);
    assert.deepEqual([error.name, error.address], ["CallTimeoutError", listener.address]);
    assert.ok(error.timeoutMs <= timeoutMs && error.timeoutMs >= timeoutMs - 20, `waited ${error.timeoutMs} ms`);
    // Timers may fire a millisecond early by the performance clock; the upper bound only says "not hung".
    assert.ok(took >= timeoutMs - 5 && took < HANG_MS / 2, `rejected after ${Math.round(took)} ms`);
    // The late answer must go nowhere, least of all to the next call.
    release.open();
    await delay(20);
    const next = await client.request(listener.address, requestOf("next"));
    assert.equal(Buffer.from(next.body).toString(), "next");
  });
}

function lifecycleTests(create: TransportFactory): void {
  it("transport - close(graceMs) lets an in-flight request finish, then new requests fail", async (t) => {
    const release = gate(t);
    let arrived = false;
    const { client, listener } = await harness(t, create, async () => {
      arrived = true;
      await release.wait;
      return { ok: true, body: Buffer.from("finished") };
    });
    const inFlight = client.request(listener.address, requestOf("{}"));
    await until(() => arrived, "the request to reach the handler");
    const closing = listener.close(HANG_MS);
    // The handler finishes only after close began: draining, not a race with it.
    await delay(20);
    release.open();
    const response = await inFlight;
    assert.equal(Buffer.from(response.body).toString(), "finished");
    await closing;
    await assert.rejects(
      client.request(listener.address, requestOf("{}")),
      (error: unknown) => error instanceof ConnectionError || error instanceof ConnectionLostError,
    );
  });
}

/** A port that was free a moment ago and has nothing listening now. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `127.0.0.1:${port}`;
}

function limitTests(create: TransportFactory): void {
  it("transport - a body above MAX_MESSAGE_BYTES is a 413 wire error, exactly MAX_MESSAGE_BYTES is fine, and the client stays usable", async (t) => {
    const { client, listener } = await harness(t, create, async (request) => ({ ok: true, body: request.body }));
    // Far past the limit too: the node must answer while the caller may still be sending.
    for (const size of [MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES * 3]) {
      const response = await client.request(listener.address, requestOf(Buffer.alloc(size, 0x61)));
      assert.deepEqual([response.ok, response.code], [false, 413], `size ${size}`);
      const wire = JSON.parse(Buffer.from(response.body).toString()) as Record<string, unknown>;
      assert.deepEqual([wire.code, wire.status, wire.detail, wire.reason], [413, "Payload Too Large", `RPC body exceeds ${MAX_MESSAGE_BYTES} bytes`, "body_too_large"]);
    }
    const exact = await client.request(listener.address, requestOf(Buffer.alloc(MAX_MESSAGE_BYTES, 0x62)));
    assert.deepEqual([exact.ok, exact.body.byteLength], [true, MAX_MESSAGE_BYTES]);
    assert.equal(Buffer.from((await client.request(listener.address, requestOf("small"))).body).toString(), "small");
  });

  it("transport - a handler that throws is a bare 500 wire error, naming nothing it saw", async (t) => {
    const { client, listener } = await harness(t, create, async () => {
      throw new Error("SELECT secret FROM users WHERE password = 'hunter2'");
    });
    const response = await client.request(listener.address, requestOf("{}"));
    assert.deepEqual([response.ok, response.code], [false, 500]);
    assert.deepEqual(JSON.parse(Buffer.from(response.body).toString()), { id: "transport", code: 500, detail: "internal error", status: "Internal Server Error", reason: "internal_error" });
  });

  it("transport - something that is not a call is a 400 wire error, where the transport can answer it", async (t) => {
    const { under, listener } = await harness(t, create, async (request) => ({ ok: true, body: request.body }));
    if (under.notACall === undefined) return;
    const { code, body } = await under.notACall(listener.address);
    assert.equal(code, 400);
    assert.deepEqual(body, { id: "transport", code: 400, detail: "not an RPC request", status: "Bad Request", reason: "protocol_error" });
  });

  it("transport - a call whose connection is lost after it was delivered rejects with ConnectionLostError", async (t) => {
    const under = await create();
    const client = under.transport.client();
    t.after(async () => {
      await client.close();
      await under.cleanup();
    });
    const { pending } = await under.loseMidCall(t, client);
    const started = performance.now();
    await assert.rejects(pending, ConnectionLostError);
    assert.ok(performance.now() - started < HANG_MS / 2, "noticed at once, not at the deadline");
  });
}

/**
 * For socket transports' `loseMidCall`: a node that accepts a connection, reads the call and
 * drops the connection without answering. Its address; closed when the test ends.
 */
export async function droppingNode(t: TestContext): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // Reading first makes sure the call was delivered: this is a loss mid-call, not a refusal.
    socket.once("data", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
