/**
 * The HTTP transport: the transport conformance suite over real sockets on 127.0.0.1, then what
 * only HTTP has: the body limit, requests that are not RPC calls, and a peer that drops the
 * connection after reading the request.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, type Socket, createServer } from "node:net";
import { type TestContext, it } from "node:test";
import { request as httpRequest } from "undici";
import { ConnectionLostError } from "../index.js";
import { closedPort, harness, requestOf, transportConformance } from "../conformance.js";
import { HttpTransport } from "./index.js";
import { ERROR_HEADER } from "./headers.js";
import { MAX_RPC_BODY_BYTES } from "./server.js";

const httpUnderTest = async () => ({
  transport: new HttpTransport(),
  listenAddress: "127.0.0.1:0",
  unreachableAddress: closedPort,
  cleanup: async () => {},
});

transportConformance("http", httpUnderTest);

function echo(t: TestContext) {
  return harness(t, httpUnderTest, async (request) => ({ ok: true, body: request.body }));
}

it("http transport - a body above MAX_RPC_BODY_BYTES is answered with a 413 wire error, and the client stays usable", async (t) => {
  const { client, listener } = await echo(t);
  // Far past the limit too: the server must answer while the client is still sending.
  for (const size of [MAX_RPC_BODY_BYTES + 1, MAX_RPC_BODY_BYTES * 3]) {
    const response = await client.request(listener.address, requestOf(Buffer.alloc(size, 0x61)));
    assert.equal(response.ok, false, `size ${size}`);
    assert.equal(response.code, 413);
    const wire = JSON.parse(Buffer.from(response.body).toString()) as Record<string, unknown>;
    assert.equal(wire.code, 413);
    assert.equal(wire.status, "Payload Too Large");
  }
  const after = await client.request(listener.address, requestOf("small"));
  assert.equal(Buffer.from(after.body).toString(), "small");
});

it("http transport - a body of exactly MAX_RPC_BODY_BYTES is accepted", async (t) => {
  const { client, listener } = await echo(t);
  const body = Buffer.alloc(MAX_RPC_BODY_BYTES, 0x62);
  const response = await client.request(listener.address, requestOf(body));
  assert.equal(response.ok, true);
  assert.equal(response.body.byteLength, MAX_RPC_BODY_BYTES);
});

it("http transport - a request that is not an RPC call (GET) gets a 400 wire error", async (t) => {
  const { listener } = await echo(t);
  const response = await httpRequest(`http://${listener.address}/`, { method: "GET" });
  const wire = (await response.body.json()) as Record<string, unknown>;
  assert.equal(response.statusCode, 400);
  assert.equal(response.headers[ERROR_HEADER], "1");
  assert.deepEqual(wire, { id: "transport", code: 400, detail: "not an RPC request", status: "Bad Request" });
});

it("http transport - a connection the server resets after reading the request rejects with ConnectionLostError", async (t) => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // Reading first makes sure the request was delivered: this is a loss mid-call, not a refusal.
    socket.once("data", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const client = new HttpTransport().client();
  t.after(async () => {
    await client.close();
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  await assert.rejects(client.request(`127.0.0.1:${port}`, requestOf("{}")), ConnectionLostError);
});
