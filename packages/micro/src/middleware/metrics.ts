/**
 * Metrics middleware: counts and times every RPC served and every RPC made.
 */
import type { CallWrapper } from "../client/middleware.js";
import { type Metrics, codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";
import { settled } from "./settled.js";

export function serverMetrics(metrics: Metrics): HandlerWrapper {
  return (next) => (call) => {
    const labels = { service: call.service, endpoint: call.endpoint };
    const stop = metrics.rpcServerDuration.startTimer(labels);
    return settled(
      () => next(call),
      (failure) => {
        stop();
        metrics.rpcServerRequests.inc({ ...labels, code: codeOf(failure) });
      },
    );
  };
}

export function clientMetrics(metrics: Metrics): CallWrapper {
  return (next) => (call) => {
    const labels = { service: call.service, endpoint: call.endpoint };
    const stop = metrics.rpcClientDuration.startTimer(labels);
    return settled(
      () => next(call),
      (failure) => {
        stop();
        metrics.rpcClientRequests.inc({ ...labels, code: codeOf(failure) });
      },
    );
  };
}
