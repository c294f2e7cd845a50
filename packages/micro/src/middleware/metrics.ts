/**
 * Metrics middleware: counts and times every RPC served and every RPC made.
 */
import type { CallWrapper } from "../client/middleware.js";
import { type CallSeries, type Metrics, codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";
import { settled } from "./settled.js";

export function serverMetrics(metrics: Metrics): HandlerWrapper {
  return timed((service, endpoint) => metrics.rpcServer(service, endpoint));
}

export function clientMetrics(metrics: Metrics): CallWrapper {
  return timed((service, endpoint) => metrics.rpcClient(service, endpoint));
}

/** A wrapper recording each call's time and outcome into its endpoint's series. */
function timed<C extends { readonly service: string; readonly endpoint: string }>(
  seriesOf: (service: string, endpoint: string) => CallSeries,
): (next: (call: C) => Promise<unknown>) => (call: C) => Promise<unknown> {
  return (next) => (call) => {
    const series = seriesOf(call.service, call.endpoint);
    const started = performance.now();
    return settled(
      () => next(call),
      (failure) => series.record((performance.now() - started) / 1000, codeOf(failure)),
    );
  };
}
