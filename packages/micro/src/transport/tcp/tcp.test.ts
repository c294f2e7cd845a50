/**
 * The TCP transport: the transport conformance suite over real sockets on 127.0.0.1, then what only
 * a multiplexed connection has: a node killed mid-call, frame limits, garbage from a peer, answers
 * out of order on one connection, requests that cross a draining node's GOAWAY.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { type TestContext, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { EnvReader } from "../../config/index.js";
import { readMicroEnv, transportFromEnv } from "../../env.js";
import { closedPort, droppingNode, requestOf, transportConformance } from "../conformance.js";
import { MAX_MESSAGE_BYTES, CallTimeoutError, ConnectionError, ConnectionLostError, type TransportClient, type TransportHandler } from "../index.js";
import { ERROR, REFUSED, REQUEST, RESPONSE, encodeAnswer, encodeRequest, frameBody, frameCode, frameId, frameKind } from "./frame.js";
import { TcpTransport } from "./index.js";
import { FrameReader } from "./reader.js";
import { RawPeer, hangingNodeProcess, nextLine } from "./testing.js";
import { waitFor } from "../../testing.js";

const tcpUnderTest = async () => ({
  transport: new TcpTransport(),
  listenAddress: "127.0.0.1:0",
  unreachableAddress: closedPort,
  loseMidCall: async (t: TestContext, client: TransportClient) => ({ pending: client.request(await droppingNode(t), requestOf("{}")) }),
  cleanup: async () => {},
});

transportConformance("tcp", tcpUnderTest);

const text = (body: Uint8Array) => Buffer.from(body).toString();
const echo: TransportHandler = async (request) => ({ ok: true, body: request.body });

/** A listener with its own transport, closed when the test ends. */
async function listen(t: TestContext, handler: TransportHandler, transport = new TcpTransport()) {
  const listener = await transport.listen("127.0.0.1:0", handler);
  const client = transport.client();
  t.after(async () => {
    await client.close();
    await listener.close(0);
  });
  return { listener, client };
}

it("tcp transport - the reader cuts the same frames out of any chunking, skipping those past the limit", () => {
  const frames = [
    encodeRequest(1, requestOf("a", { metadata: { k: "v ✓" } })),
    encodeRequest(2, requestOf(Buffer.alloc(40_000, 1))),
    encodeRequest(3, requestOf(Buffer.alloc(101, 2))),
    encodeRequest(4, requestOf("")),
  ].map((frame) => (Buffer.isBuffer(frame) ? frame : Buffer.concat(frame)));
  const stream = Buffer.concat(frames);
  let seed = 7;
  const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  for (const maxChunk of [1, 3, 11, 12, 700, 70_000]) {
    const seen: Buffer[] = [];
    const skipped: number[] = [];
    const sink = { frame: (f: Buffer) => seen.push(Buffer.from(f)), tooLarge: (id: number) => skipped.push(id), malformed: assert.fail };
    const reader = new FrameReader(sink, new Set([REQUEST]), 100);
    for (let at = 0; at < stream.length; ) {
      const size = 1 + random(maxChunk);
      reader.push(stream.subarray(at, at + size));
      at += size;
    }
    assert.deepEqual(skipped, [2, 3], `chunks up to ${maxChunk}`);
    assert.deepEqual(seen, [frames[0], frames[3]], `chunks up to ${maxChunk}`);
  }
});

it("tcp transport - MICRO_TRANSPORT=tcp selects it", async () => {
  assert.equal((await transportFromEnv(readMicroEnv(new EnvReader({ MICRO_TRANSPORT: "tcp", AUTH: "off" })))).name, "tcp");
});

it("tcp transport - a node killed mid-call fails that call with ConnectionLostError at once; the next call reconnects", async (t) => {
  const address = await closedPort();
  const node = await hangingNodeProcess(address);
  t.after(() => node.kill("SIGKILL"));
  const client = new TcpTransport().client();
  t.after(() => client.close());
  const pending = client.request(address, requestOf("{}"));
  await nextLine(node, "arrived");
  const exited = once(node, "exit");
  const killed = Date.now();
  node.kill("SIGKILL");
  await assert.rejects(pending, ConnectionLostError);
  assert.ok(Date.now() - killed < 2000, `took ${Date.now() - killed} ms to notice`);
  // The kernel may tell us of the connection before it frees the port: wait until the process is gone.
  await exited;
  // A replacement on the same port: the same client must dial it afresh, not reuse the dead socket.
  const replacement = await new TcpTransport().listen(address, async () => ({ ok: true, body: Buffer.from("back") }));
  t.after(() => replacement.close(0));
  assert.equal(text((await client.request(address, requestOf("{}"))).body), "back");
});

it("tcp transport - metadata past the frame head's limit is a 413 wire error, and the client stays usable", async (t) => {
  const { client, listener } = await listen(t, echo);
  const head = await client.request(listener.address, requestOf("{}", { metadata: { huge: "x".repeat(70_000) } }));
  assert.deepEqual([head.ok, head.code], [false, 413]);
  assert.equal(text((await client.request(listener.address, requestOf("small"))).body), "small");
});

it("tcp transport - the node answers a frame past the limit with 413 without buffering it, and the connection carries on", async (t) => {
  const { listener } = await listen(t, echo);
  const peer = await RawPeer.open(listener.address);
  t.after(() => peer.socket.destroy());
  peer.write(encodeRequest(1, requestOf(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x63))));
  peer.write(encodeRequest(2, requestOf("after")));
  const [tooLarge, after] = await peer.received(2);
  assert.deepEqual([frameId(tooLarge as Buffer), frameKind(tooLarge as Buffer), frameCode(tooLarge as Buffer)], [1, ERROR, 413]);
  assert.deepEqual([frameId(after as Buffer), frameKind(after as Buffer), text(frameBody(after as Buffer))], [2, RESPONSE, "after"]);
});

it("tcp transport - garbage from a peer closes that connection only; the node keeps serving others", async (t) => {
  const { client, listener } = await listen(t, echo);
  assert.equal(text((await client.request(listener.address, requestOf("before"))).body), "before");
  const http = await RawPeer.open(listener.address);
  http.write(Buffer.from("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
  // A request frame of a valid kind whose head says its service runs past the head's end.
  const broken = Buffer.from(encodeRequest(1, requestOf("{}")) as Buffer);
  // The service name's length follows the 11-byte prefix and the 8-byte deadline.
  broken.writeUInt16BE(0xfff0, 19);
  const overrun = await RawPeer.open(listener.address);
  overrun.write(broken);
  await Promise.all([http.closed, overrun.closed]);
  assert.deepEqual([http.frames.length, overrun.frames.length], [0, 0]);
  assert.equal(text((await client.request(listener.address, requestOf("after"))).body), "after");
});

it("tcp transport - calls pipelined on one connection are matched to their answers, which come out of order", async (t) => {
  let releaseFirst = (): void => {};
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  const { client, listener } = await listen(
    t,
    async (request) => {
      const n = Number(text(request.body));
      if (n === 1) await firstHeld;
      // Answers at uneven times, so they leave in another order than they came: the subject.
      else await delay((n * 7) % 11);
      return { ok: true, body: Buffer.from(`${n}:${request.metadata["n"]}`) };
    },
    new TcpTransport({ connectionsPerNode: 1 }),
  );
  const finished: number[] = [];
  const calls = Array.from({ length: 300 }, (_, n) =>
    client.request(listener.address, requestOf(String(n), { metadata: { n: String(n) } })).then((response) => {
      finished.push(n);
      if (n === 2) releaseFirst();
      return text(response.body);
    }),
  );
  const answers = await Promise.all(calls);
  answers.forEach((answer, n) => assert.equal(answer, `${n}:${n}`));
  assert.ok(finished.indexOf(2) < finished.indexOf(1), "call 1 was answered after call 2");
  assert.equal(listener.connectionCount, 1);
});

it("tcp transport - after a call times out its late answer is dropped and the connection keeps serving", async (t) => {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let answered = 0;
  const { client, listener } = await listen(t, async (request) => {
    if (text(request.body) === "slow") await held;
    answered++;
    return { ok: true, body: request.body };
  });
  const slow = client.request(listener.address, requestOf("slow", { timeoutMs: 50 }));
  await assert.rejects(slow, CallTimeoutError);
  release();
  await waitFor(() => answered > 0, { what: "the late answer to be sent" });
  // Pipelined behind the late answer on the same connection: each must reach only its own call.
  const answers = await Promise.all(["a", "b", "c"].map((body) => client.request(listener.address, requestOf(body))));
  assert.deepEqual(answers.map((answer) => text(answer.body)), ["a", "b", "c"]);
  assert.equal(listener.connectionCount, 1);
});

it("tcp transport - a call leaves no timer behind, however it ends", async (t) => {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = 0;
  const { client, listener } = await listen(t, async (request) => {
    if (text(request.body) === "held") {
      holding++;
      await held;
    }
    return { ok: true, body: request.body };
  });
  const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
  // Opens the connection, so its connect timer is gone before counting.
  await client.request(listener.address, requestOf("warm-up"));
  const before = timers();
  // Long timeouts: a timer not cleared when its call ends would still be pending when counted.
  await Promise.all(Array.from({ length: 50 }, (_, n) => client.request(listener.address, requestOf(String(n), { timeoutMs: 60_000 }))));
  assert.equal(timers(), before, "answered calls left timers");
  const pending = Array.from({ length: 5 }, () => client.request(listener.address, requestOf("held", { timeoutMs: 60_000 })));
  await waitFor(() => holding === 5, { what: "the five calls to reach the handler" });
  assert.equal(timers(), before + 5, "a waiting call holds exactly one timer");
  await client.close();
  await Promise.all(pending.map((call) => assert.rejects(call, ConnectionLostError)));
  release();
  assert.equal(timers(), before, "calls ended by a closed connection left timers");
});

it("tcp transport - a draining node refuses requests that cross its GOAWAY and answers those it took", async (t) => {
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let reached = false;
  const { listener } = await listen(t, async (request) => {
    reached = true;
    await held;
    return { ok: true, body: request.body };
  });
  const peer = await RawPeer.open(listener.address);
  t.after(() => peer.socket.destroy());
  peer.write(encodeRequest(1, requestOf("taken")));
  await waitFor(() => reached, { what: "the node to take the first request" });
  const closing = listener.close(5000);
  const [goAway] = await peer.received(1);
  assert.equal(frameId(goAway as Buffer), 0);
  peer.write(encodeRequest(2, requestOf("crossed")));
  const [, refused] = await peer.received(2);
  assert.deepEqual([frameId(refused as Buffer), frameKind(refused as Buffer), frameCode(refused as Buffer)], [2, REFUSED, 503]);
  release();
  const [, , taken] = await peer.received(3);
  assert.deepEqual([frameId(taken as Buffer), text(frameBody(taken as Buffer))], [1, "taken"]);
  // Our FIN says no more calls follow: the node then closes, and its close resolves.
  peer.socket.end();
  await closing;
  await peer.closed;
});

it("tcp transport - a call the node refuses rejects with ConnectionError, so it may go to another node", async (t) => {
  const node = createServer((socket) => {
    socket.once("data", (chunk: Buffer) => socket.write(encodeAnswer(frameId(chunk), REFUSED, Buffer.from("{}"), 503) as Buffer));
  });
  node.listen(0, "127.0.0.1");
  await once(node, "listening");
  const client = new TcpTransport().client();
  t.after(async () => {
    await client.close();
    node.close();
  });
  const { port } = node.address() as { port: number };
  await assert.rejects(client.request(`127.0.0.1:${port}`, requestOf("{}")), ConnectionError);
});
