/**
 * Logging middleware: one JSON line per RPC served, with the endpoint, the outcome, the time
 * taken and the ids that tie it to the gateway's request line. Unexpected failures (500s) are
 * logged by the server with their stack; this line only says what happened.
 */
import type { Logger } from "../logger/index.js";
import { REQUEST_ID, TRACEPARENT } from "../metadata/index.js";
import { traceIdOf } from "../tracing/index.js";
import { codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";
import { settled } from "./settled.js";

export function serverLogging(logger: Logger): HandlerWrapper {
  return (next) => (call) => {
    const started = performance.now();
    return settled(
      () => next(call),
      (failure) => {
        const code = Number(codeOf(failure));
        const level = code >= 500 ? "warn" : "info";
        // Below the logger's level the line is not built at all: this runs on every call.
        if (!logger.isLevelEnabled(level)) return;
        const durationMs = Math.round((performance.now() - started) * 100) / 100;
        const fields = {
          endpoint: call.endpoint,
          code,
          durationMs,
          requestId: call.metadata[REQUEST_ID],
          traceId: traceIdOf(call.metadata[TRACEPARENT]),
        };
        const line = `${call.endpoint} ${code} ${durationMs} ms`;
        logger[level](fields, line);
      },
    );
  };
}
