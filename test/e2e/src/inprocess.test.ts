/**
 * The HTTP contract in one process: the same suite the programs run as processes must pass, here
 * through Fastify's `inject()` into the gateway app, in front of the real services on PGlite over
 * the real TCP transport (inprocess.ts). No socket between client and gateway, so the suite runs
 * in a few seconds, and a failure points at the gateway and services rather than at processes.
 */
import type { Readable } from "node:stream";
import { gatewayContract, type Send } from "./contract.js";
import type { Reply } from "./http.js";
import { startInProcess } from "./inprocess.js";

gatewayContract("in process, inject()", async () => {
  const system = await startInProcess();
  const send: Send = async (method, path, body, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let payload: string | Buffer | Readable | undefined = options.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const response = await system.app.inject({ method: method as "GET", url: path, headers, ...(payload === undefined ? {} : { payload }) });
    let parsed: unknown = undefined;
    if (response.body.length > 0) {
      try {
        parsed = JSON.parse(response.body);
      } catch {
        parsed = response.body;
      }
    }
    const reply: Reply = { status: response.statusCode, headers: response.headers as Reply["headers"], body: parsed, text: response.body };
    return reply;
  };
  return { send, close: () => system.close() };
});
