/**
 * Metrics middleware: counts and times every RPC served and every RPC made.
 */
import type { CallWrapper } from "../client/middleware.js";
import { type Metrics, codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";
import { settled } from "./settled.js";

export function serverMetrics(metrics: Metrics): HandlerWrapper {
  return (next) => (call) => {
    const series = metrics.rpcServer(call.service, call.endpoint);
    const started = performance.now();
    return settled(
      () => next(call),
      (failure) => series.record((performance.now() - started) / 1000, codeOf(failure)),
    );
  };
}

export function clientMetrics(metrics: Metrics): CallWrapper {
  return (next) => (call) => {
    const series = metrics.rpcClient(call.service, call.endpoint);
    const started = performance.now();
    return settled(
      () => next(call),
      (failure) => series.record((performance.now() - started) / 1000, codeOf(failure)),
    );
  };
}
