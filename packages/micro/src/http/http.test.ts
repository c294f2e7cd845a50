/**
 * The HTTP transport: the transport conformance suite over real sockets on 127.0.0.1. Its own
 * answers to a stray HTTP client and to a dropped connection are the suite's hooks.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { request as httpRequest } from "undici";
import type { TransportClient } from "../transport/index.js";
import { closedPort, droppingNode, requestOf, transportConformance } from "../transport/conformance.js";
import { HttpTransport } from "./index.js";
import { ERROR_HEADER } from "./headers.js";


const httpUnderTest = async () => ({
  transport: new HttpTransport(),
  listenAddress: "127.0.0.1:0",
  unreachableAddress: closedPort,
  notACall: async (address: string) => {
    const response = await httpRequest(`http://${address}/`, { method: "GET" });
    assert.equal(response.headers[ERROR_HEADER], "1", "the error header marks it a wire error");
    return { code: response.statusCode, body: await response.body.json() };
  },
  loseMidCall: async (t: TestContext, client: TransportClient) => ({ pending: client.request(await droppingNode(t), requestOf("{}")) }),
  cleanup: async () => {},
});

transportConformance("http", httpUnderTest);
