/**
 * The NATS transport against a real NATS server: the transport conformance suite, then what only
 * NATS brings: metadata and errors laid out in message headers, calls larger than one NATS message,
 * messages that are not calls, and the connection dropping mid-call.
 * Without NATS these tests skip, and fail when CI=true (nats/testing.ts).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, it } from "node:test";
import { acquireNatsConnection } from "../connection.js";
import { natsAvailable, requireNats, testNatsUrl } from "../testing.js";
import { waitFor } from "../../testing.js";
import { harness, requestOf, transportConformance } from "../../transport/conformance.js";
import { MAX_MESSAGE_BYTES, ConnectionError, ConnectionLostError, type TransportClient, type TransportHandler, type TransportRequest } from "../../transport/index.js";
import { CODE_HEADER, ERROR_HEADER, fromHeaders } from "./headers.js";
import { NODE_SUBJECT_PREFIX, NatsTransport } from "./index.js";


const natsUnderTest = async () => {
  const transport = new NatsTransport({ servers: testNatsUrl() });
  return {
    transport,
    listenAddress: "127.0.0.1:0",
    unreachableAddress: async () => `${NODE_SUBJECT_PREFIX}.nobody-${randomBytes(8).toString("hex")}`,
    notACall: async (address: string) => {
      const connection = await acquireNatsConnection({ servers: testNatsUrl() });
      try {
        const reply = await connection.nc.request(address, "hello", { timeout: 5000 });
        const fields = fromHeaders(reply.headers);
        assert.equal(fields[ERROR_HEADER], "1", "the error header marks it a wire error");
        return { code: Number(fields[CODE_HEADER]), body: JSON.parse(reply.string()) as unknown };
      } finally {
        await connection.release();
      }
    },
    // A node killed mid-call sends nothing over NATS; what the caller can see is its own connection dropping.
    loseMidCall: async (t: TestContext, client: TransportClient) => {
      let arrived = false;
      const listener = await transport.listen("127.0.0.1:0", async () => {
        arrived = true;
        return new Promise<never>(() => undefined);
      });
      t.after(() => listener.close(0));
      const connection = await acquireNatsConnection({ servers: testNatsUrl() });
      t.after(() => connection.release());
      const pending = client.request(listener.address, requestOf("{}"));
      await waitFor(() => arrived, { what: "the call to reach the node" });
      await connection.nc.reconnect();
      return { pending };
    },
    cleanup: async () => {},
  };
};

if (await natsAvailable()) transportConformance("nats", natsUnderTest);
else it("nats transport conformance - needs NATS", async (t) => void (await requireNats(t)));

/** A listener with `handler` and a client, or undefined when the test was skipped. */
async function serve(t: TestContext, handler: TransportHandler) {
  if (!(await requireNats(t))) return undefined;
  return harness(t, natsUnderTest, handler);
}

it("nats transport - metadata values of any string, and the deadline, arrive as sent", async (t) => {
  const seen: TransportRequest[] = [];
  const h = await serve(t, async (request) => (seen.push(request), { ok: true, body: Buffer.from("ok") }));
  if (!h) return;
  const metadata = { "request-id": "r-1", lines: "a\r\nb\nc", colon: "k: v", percent: "100%", emoji: "☃ ✓", empty: "" };
  const deadline = Date.now() + 1234;
  const response = await h.client.request(h.listener.address, requestOf("{}", { metadata, deadline }));
  assert.equal(response.ok, true);
  assert.deepEqual({ ...seen[0]?.metadata }, metadata);
  assert.equal(seen[0]?.deadline, deadline);
  assert.match(h.listener.address, /^micro\.rpc\.[0-9a-f]{32}$/);
});

it("nats transport - error responses keep their code and body", async (t) => {
  const h = await serve(t, async () => {
    const wire = { id: "orders", code: 409, detail: "order 7 is not pending", status: "Conflict" };
    return { ok: false, code: 409, body: Buffer.from(JSON.stringify(wire)) };
  });
  if (!h) return;
  const conflict = await h.client.request(h.listener.address, requestOf("{}"));
  assert.deepEqual([conflict.ok, conflict.code], [false, 409]);
  assert.equal(JSON.parse(Buffer.from(conflict.body).toString()).detail, "order 7 is not pending");
});

it("nats transport - bodies of several NATS messages go both ways intact; past MAX_MESSAGE_BYTES is a 413", async (t) => {
  const h = await serve(t, async (request) => ({ ok: true, body: Buffer.concat([request.body, request.body]) }));
  if (!h) return;
  const body = randomBytes(MAX_MESSAGE_BYTES - 1024);
  const response = await h.client.request(h.listener.address, requestOf(body));
  assert.equal(response.ok, true);
  assert.ok(Buffer.from(response.body).equals(Buffer.concat([body, body])), "the body came back changed");
  const tooLarge = await h.client.request(h.listener.address, requestOf(Buffer.alloc(MAX_MESSAGE_BYTES + 1)));
  assert.deepEqual([tooLarge.ok, tooLarge.code], [false, 413]);
  const after = await h.client.request(h.listener.address, requestOf("small"));
  assert.equal(Buffer.from(after.body).toString(), "smallsmall");
});

it("nats transport - a connection dropped mid-call rejects with ConnectionLostError; calls work after reconnecting", async (t) => {
  let calls = 0;
  const h = await serve(t, async () => {
    // The first call never answers: only the disconnect can end it before its timeoutMs.
    if (++calls === 1) await new Promise(() => undefined);
    return { ok: true, body: Buffer.from("back") };
  });
  if (!h) return;
  const connection = await acquireNatsConnection({ servers: testNatsUrl() });
  t.after(() => connection.release());
  const pending = h.client.request(h.listener.address, requestOf("{}"));
  await waitFor(() => calls > 0, { what: "the first call to reach the node" });
  await connection.nc.reconnect();
  await assert.rejects(pending, ConnectionLostError);
  const answer = await waitFor(
    async () => {
      // Until the reconnect and the node's re-subscription land, a call is refused, never lost.
      const result = await h.client.request(h.listener.address, requestOf("{}")).catch((error: unknown) => {
        assert.ok(error instanceof ConnectionError, `expected ConnectionError, got ${String(error)}`);
        return undefined;
      });
      return result && Buffer.from(result.body).toString();
    },
    { intervalMs: 20, what: "a call to be answered after the reconnect" },
  );
  assert.equal(answer, "back");
});
