/**
 * The RPC server: holds handler objects, and for each call decodes the body, validates it
 * against the endpoint's schema, runs the handler within the propagated deadline and encodes
 * the result, or the wire error. A call whose deadline passed before it could start (it waited
 * in a frozen node's socket, say) is answered 504 without running: its caller has given up on it,
 * and has maybe retried it elsewhere. Every failure becomes the wire error inside the middleware,
 * so logs, metrics and spans record the code the caller gets.
 */
import type { Account } from "../auth/index.js";
import { type Codec, CodecError, NestingTooDeepError, jsonCodec } from "../codec/index.js";
import { type Endpoint, type HandlerOf, type ServiceContract, endpointName, endpointsOf } from "../contract/index.js";
import {
  DependencyRejectedError,
  DependencyUnavailableError,
  MicroError,
  badRequest,
  gatewayTimeout,
  internal,
  isMicroError,
  notFound,
  unavailable,
} from "../errors/index.js";
import type { CallContext, Metadata } from "../metadata/index.js";
import type { TransportRequest, TransportResponse } from "../transport/index.js";
import { type ValidateFunction, createAjv, describeValidationError } from "../validation/index.js";
import type { HandlerWrapper, ServerCall } from "./middleware.js";

export type { HandlerWrapper, ServerCall, Dispatch } from "./middleware.js";

export interface ServerOptions {
  /** The service name, used as the `id` of errors this server produces. */
  readonly name: string;
  readonly codec?: Codec;
  /** Outermost first. */
  readonly wrappers?: readonly HandlerWrapper[];
  /** Called with unexpected handler errors; the caller gets a bare 500. */
  readonly onError?: (error: unknown, call: ServerCall) => void;
  /**
   * Called when a dependency refused the caller's data (the caller gets the error's 4xx), with the
   * dependency's own error as its `cause`: the one place that still knows what exactly was refused.
   */
  readonly onRejected?: (error: DependencyRejectedError, call: ServerCall) => void;
  /** Called when a dependency was found away (the caller gets a 503): readiness may want to know now. */
  readonly onUnavailable?: (error: DependencyUnavailableError, call: ServerCall) => void;
}

interface Route {
  readonly validate: ValidateFunction;
  readonly invoke: (request: unknown, context: CallContext) => Promise<unknown>;
}

export class Server {
  readonly name: string;
  private readonly routes = new Map<string, Route>();
  private readonly contracts: ServiceContract[] = [];
  private readonly codec: Codec;
  private readonly ajv = createAjv();
  private dispatch: (call: ServerCall) => Promise<unknown>;

  constructor(private readonly options: ServerOptions) {
    this.name = options.name;
    this.codec = options.codec ?? jsonCodec;
    const inner = (call: ServerCall) => this.invoke(call);
    this.dispatch = (options.wrappers ?? []).reduceRight((next, wrap) => wrap(next), inner);
  }

  /** Registers every endpoint of `contract`, served by the methods of `handler`. */
  handle<C extends ServiceContract>(contract: C, handler: HandlerOf<C>): this {
    this.contracts.push(contract);
    for (const [method, spec] of Object.entries(contract.endpoints)) {
      const fn = (handler as Record<string, unknown>)[method];
      if (typeof fn !== "function") throw new Error(`${contract.handler} has no method ${method}`);
      this.routes.set(endpointName(contract, method), {
        validate: this.ajv.compile(spec.request),
        invoke: (request, context) => fn.call(handler, request, context) as Promise<unknown>,
      });
    }
    return this;
  }

  /** The endpoints served, with their schemas and catalog, for the registry; in name order. */
  endpoints(): Endpoint[] {
    return [...this.contracts.flatMap(endpointsOf)].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The transport's entry point: never throws, every failure becomes a wire error. */
  readonly serve = async (request: TransportRequest): Promise<TransportResponse> => {
    const call = new IncomingCall(this.name, request);
    try {
      const response = await this.dispatch(call);
      return { ok: true, body: this.codec.encode(response) };
    } catch (error) {
      const wire = this.toWireError(error, call);
      return { ok: false, code: wire.code, body: this.codec.encode(wire) };
    } finally {
      call.finish();
    }
  };

  private async invoke(call: ServerCall): Promise<unknown> {
    if (call.deadline <= Date.now()) throw gatewayTimeout(this.name, "the call's deadline passed before it started", { reason: "deadline_exceeded" });
    const route = this.routes.get(call.endpoint);
    if (!route) throw notFound(this.name, `endpoint ${call.endpoint} not found on ${this.name}`, { reason: "endpoint_not_found" });
    const request = this.decode(call.body);
    if (!route.validate(request)) throw badRequest(this.name, describeValidationError(route.validate.errors, "request"), { reason: "invalid_request" });
    call.request = request;
    try {
      return await route.invoke(request, call);
    } catch (error) {
      throw this.toWireError(error, call);
    }
  }

  /** The codec limits nesting too: a direct caller can skip the gateway and its limit. */
  private decode(body: Uint8Array): unknown {
    try {
      return this.codec.decode(body) ?? {};
    } catch (error) {
      if (error instanceof NestingTooDeepError) throw badRequest(this.name, `request: nests deeper than ${error.maxDepth} levels`, { reason: "nesting_too_deep" });
      if (error instanceof CodecError) throw badRequest(this.name, "request: is not valid JSON", { reason: "invalid_json" });
      throw error;
    }
  }

  private toWireError(error: unknown, call: ServerCall): MicroError {
    if (isMicroError(error)) return error;
    if (error instanceof DependencyUnavailableError) {
      this.options.onUnavailable?.(error, call);
      return unavailable(this.name, `${error.dependency} unavailable`, { reason: error.reason });
    }
    if (error instanceof DependencyRejectedError) {
      this.options.onRejected?.(error, call);
      return new MicroError(this.name, error.status, error.detail, { reason: error.reason });
    }
    this.options.onError?.(error, call);
    return internal(this.name, "internal error", { reason: "internal_error" });
  }
}

/**
 * One call being served. Its `signal` is made on first use: an AbortSignal and its timer cost
 * more on Node 20 than the rest of a small call's dispatch, and most handlers never look at it.
 */
class IncomingCall implements ServerCall {
  readonly endpoint: string;
  metadata: Metadata;
  readonly deadline: number;
  readonly body: Uint8Array;
  request: unknown = undefined;
  account: Account | undefined = undefined;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly service: string,
    transported: TransportRequest,
  ) {
    this.endpoint = transported.endpoint;
    this.metadata = transported.metadata;
    this.deadline = transported.deadline;
    this.body = transported.body;
  }

  /** Aborts with a 504 once the deadline passes while the call still runs. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = (this.controller = new AbortController());
      const service = this.service;
      this.timer = setTimeout(() => controller.abort(gatewayTimeout(service, "deadline exceeded", { reason: "deadline_exceeded" })), Math.max(0, this.deadline - Date.now()));
    }
    return this.controller.signal;
  }

  /** The call is answered: its deadline no longer matters. */
  finish(): void {
    clearTimeout(this.timer);
  }
}
