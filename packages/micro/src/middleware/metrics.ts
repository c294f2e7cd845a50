/**
 * Metrics middleware: counts and times every RPC served and every RPC made.
 */
import type { CallWrapper } from "../client/middleware.js";
import { type Metrics, codeOf } from "../metrics/index.js";
import type { HandlerWrapper } from "../server/middleware.js";

export function serverMetrics(metrics: Metrics): HandlerWrapper {
  return (next) => async (call) => {
    const stop = metrics.rpcServerDuration.startTimer({ service: call.service, endpoint: call.endpoint });
    let failure: unknown;
    try {
      return await next(call);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      stop();
      metrics.rpcServerRequests.inc({ service: call.service, endpoint: call.endpoint, code: codeOf(failure) });
    }
  };
}

export function clientMetrics(metrics: Metrics): CallWrapper {
  return (next) => async (call) => {
    const stop = metrics.rpcClientDuration.startTimer({ service: call.service, endpoint: call.endpoint });
    let failure: unknown;
    try {
      return await next(call);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      stop();
      metrics.rpcClientRequests.inc({ service: call.service, endpoint: call.endpoint, code: codeOf(failure) });
    }
  };
}
