/**
 * Requests Node's HTTP parser refuses, before Fastify sees them, over real sockets to the real
 * gateway on a real port: each gets the error shape as JSON, an `x-request-id` that its log line
 * carries too, and `connection: close`, after which the gateway closes the connection.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { buildGateway } from "./app.js";
import type { App } from "./context.js";
import { type Backends, startBackends } from "./auth/testing.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The gateway's log lines, parsed. */
const lines: Array<Record<string, unknown>> = [];
let backends: Backends;
let app: App;
let port: number;
before(async () => {
  backends = await startBackends();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = buildGateway({ client: backends.client, registry: backends.registry, logger: pino({ level: "info" }, sink) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as { port: number }).port;
});
after(async () => {
  await app.close();
  await backends.close();
});

interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Writes `request` as is and reads until the gateway closes the connection. */
function exchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer was read is the gateway closing a connection still sending to it.
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

/** Sends `first`, and `second` on the same connection once the answer to `first` is complete. */
function keptAlive(first: string, second: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(first));
    let raw = "";
    let sent = false;
    socket.on("data", (chunk: Buffer) => {
      raw += chunk.toString("latin1");
      if (!sent && complete(raw)) {
        sent = true;
        socket.write(second);
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => resolve(raw));
  });
}

/** True when `raw` holds one whole response with a content-length. */
function complete(raw: string): boolean {
  const end = raw.indexOf("\r\n\r\n");
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1];
  return end > 0 && length !== undefined && raw.length >= end + 4 + Number(length);
}

/** The HTTP responses in `raw`, in order. */
function responsesIn(raw: string): RawReply[] {
  const replies: RawReply[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf("\r\n\r\n");
    assert.ok(end > 0, `no header block in ${JSON.stringify(rest)}`);
    const [statusLine, ...fields] = rest.slice(0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(":");
      headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"]);
    replies.push({ status: Number(statusLine?.split(" ")[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return replies;
}

/** One error response in the wire shape, ready to close the connection, logged under its id. */
function assertParserError(reply: RawReply | undefined, code: number, reason: string): void {
  assert.ok(reply, "no response");
  assert.equal(reply.status, code);
  assert.equal(reply.headers["content-type"], "application/json");
  assert.equal(reply.headers.connection, "close");
  assert.match(reply.headers["x-request-id"] ?? "", UUID);
  const body = JSON.parse(reply.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ["code", "detail", "id", "reason", "status"]);
  assert.deepEqual([body.id, body.code, body.reason], ["gateway", code, reason], String(body.detail));
  const logged = lines.find((line) => line.requestId === reply.headers["x-request-id"]);
  assert.ok(logged, `no log line with request id ${reply.headers["x-request-id"]}`);
  assert.equal(logged.status, code);
}

describe("gateway - parser-level errors", () => {
  test("gateway - a header block over 16 KiB is 431 in the error shape", async () => {
    const raw = await exchange(`GET /users/1 HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(17 * 1024)}\r\n\r\n`);
    const [reply, ...more] = responsesIn(raw);
    assertParserError(reply, 431, "headers_too_large");
    assert.equal(more.length, 0);
  });

  test("gateway - a refused request's own sane x-request-id is echoed; an odd one is replaced", async () => {
    const own = await exchange(`GET /users/1 HTTP/1.1\r\nhost: x\r\nx-request-id: mine-42\r\nx-big: ${"a".repeat(17 * 1024)}\r\n\r\n`);
    assert.equal(responsesIn(own)[0]?.headers["x-request-id"], "mine-42");
    const odd = await exchange("GET /users/1 HTTP/1.1\r\nhost: x\r\nx-request-id: not sane!\r\ntraceparent: \u0000\r\n\r\n");
    assert.match(responsesIn(odd)[0]?.headers["x-request-id"] ?? "", UUID);
  });

  test("gateway - an unknown method (CONNECTX) is 400 in the error shape", async () => {
    assertParserError(responsesIn(await exchange("CONNECTX /users/1 HTTP/1.1\r\nhost: x\r\n\r\n"))[0], 400, "malformed_request");
  });

  test("gateway - malformed request lines are 400 in the error shape", async () => {
    for (const line of ["GET\r\n", "GET /users/1 HTTP/1.1 extra\r\n", "GET /users/1 HTTP/9.9\r\n", "GET /a b HTTP/1.1\r\n"]) {
      assertParserError(responsesIn(await exchange(`${line}host: x\r\n\r\n`))[0], 400, "malformed_request");
    }
  });

  test("gateway - other parser errors are 400 in the error shape", async () => {
    assertParserError(responsesIn(await exchange("GET /users/1 HTTP/1.1\r\nbad header\r\n\r\n"))[0], 400, "malformed_request");
  });

  test("gateway - chunk extensions over the parser's limit are 413 in the error shape", async () => {
    const chunked = `POST /users HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n2${";a=b".repeat(50_000)}\r\n{}\r\n0\r\n\r\n`;
    assertParserError(responsesIn(await exchange(chunked))[0], 413, "body_too_large");
  });

  test("gateway - after a good request on a kept-alive connection, a bad one is answered and the connection closed", async () => {
    const raw = await keptAlive("GET /health HTTP/1.1\r\nhost: x\r\n\r\n", "CONNECTX /health HTTP/1.1\r\nhost: x\r\n\r\n");
    const [first, second, ...more] = responsesIn(raw);
    assert.equal(first?.status, 200);
    assert.equal(first?.headers.connection, "keep-alive");
    assertParserError(second, 400, "malformed_request");
    assert.equal(more.length, 0);
  });
});

/**
 * An error answer in the wire shape with a request id, whoever would have answered it; `expected`
 * is its reason, or a pattern over its detail for an error made where no reason is given yet.
 */
function assertShaped(reply: RawReply | undefined, code: number, expected: string | RegExp): void {
  assert.ok(reply, "no response");
  assert.equal(reply.status, code, reply.body);
  assert.match(reply.headers["content-type"] ?? "", /^application\/json/);
  assert.ok(reply.headers["x-request-id"], "x-request-id");
  const body = JSON.parse(reply.body) as Record<string, unknown>;
  assert.deepEqual([body.id, body.code], ["gateway", code]);
  if (typeof expected === "string") {
    assert.deepEqual(Object.keys(body).sort(), ["code", "detail", "id", "reason", "status"]);
    assert.equal(body.reason, expected, String(body.detail));
  } else {
    assert.deepEqual(Object.keys(body).sort(), ["code", "detail", "id", "status"]);
    assert.match(String(body.detail), expected);
  }
}

describe("gateway - requests Node or Fastify would answer in their own words", () => {
  test("gateway - CONNECT is 405 in the error shape, not a dropped connection", async () => {
    assertShaped(responsesIn(await exchange("CONNECT /users HTTP/1.1\r\nhost: x\r\n\r\n"))[0], 405, "method_not_allowed");
  });

  test("gateway - an Expect other than 100-continue is 417 in the error shape", async () => {
    const raw = await exchange("GET /health HTTP/1.1\r\nhost: x\r\nexpect: 200-ok\r\nconnection: close\r\n\r\n");
    assertShaped(responsesIn(raw)[0], 417, "expectation_unsupported");
  });

  test("gateway - a path that is not valid percent-encoding is 400, an over-long parameter 414, in the error shape", async () => {
    assertShaped(responsesIn(await exchange("PATCH /users/% HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"))[0], 400, "invalid_path");
    assertShaped(responsesIn(await exchange(`GET /products/${"1".repeat(200)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`))[0], 414, "path_too_long");
  });

  test("gateway - a request without a Host header is served like any other", async () => {
    const [reply] = responsesIn(await exchange("GET /health HTTP/1.1\r\nconnection: close\r\n\r\n"));
    assert.equal(reply?.status, 200);
    assert.ok(reply?.headers["x-request-id"]);
  });

  test("gateway - /rpc to a service the registry has never heard of is 404, not 503", async () => {
    const body = JSON.stringify({ service: "nobody", endpoint: "Nobody.Call", request: {} });
    const raw = await exchange(`POST /rpc HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    assertShaped(responsesIn(raw)[0], 404, "service_not_found");
  });
});
