/**
 * The RPC client: `call(service, endpoint, request, options)`. It picks a node through the
 * selector, sends the call with what remains of the deadline, rebuilds wire errors, and
 * retries on another node when the request never reached the first one (or, for idempotent
 * endpoints, when the connection broke mid-call).
 */
import { type Codec, jsonCodec } from "../codec/index.js";
import type { ApiMap, ApiOf, ServiceContract } from "../contract/index.js";
import { endpointName } from "../contract/index.js";
import { MicroError, badRequest, gatewayTimeout, isMicroError, unavailable } from "../errors/index.js";
import { type CallContext, type Metadata, isValidMetadataKey } from "../metadata/index.js";
import type { Node } from "../registry/index.js";
import type { Selector } from "../selector/index.js";
import { ConnectionError, ConnectionLostError, type TransportClient } from "../transport/index.js";
import type { CallWrapper, ClientCall, Invoke } from "./middleware.js";

export type { CallWrapper, ClientCall, Invoke } from "./middleware.js";

export const DEFAULT_CALL_TIMEOUT_MS = 5000;
export const DEFAULT_RETRIES = 2;
/**
 * How long one attempt of an idempotent call may take before it is retried on another node.
 * Applied only when at least twice this remains of the deadline, so that under overload (when
 * every attempt is slow) it cannot turn into a storm of retries that adds to the load.
 */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 2000;
/** Retry n waits a random time up to min(cap, base * 2^n): full jitter, so retries do not stampede. */
export const RETRY_BACKOFF_BASE_MS = 10;
export const RETRY_BACKOFF_CAP_MS = 200;

export interface ClientOptions<Cs extends readonly ServiceContract[]> {
  readonly selector: Selector;
  readonly transport: TransportClient;
  /** The contracts this client calls: they type `call` and say which endpoints are idempotent. */
  readonly contracts: Cs;
  readonly codec?: Codec;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Further nodes to try after the first. @default 2 */
  readonly retries?: number;
  /** Per-attempt timeout of idempotent calls, retried on another node after it. @default 2000 */
  readonly attemptTimeoutMs?: number;
  /** Outermost first. */
  readonly wrappers?: readonly CallWrapper[];
}

export interface CallOptions {
  /** The incoming call this one is made for: its deadline bounds ours, its metadata travels on. */
  readonly context?: CallContext;
  readonly timeoutMs?: number;
  readonly metadata?: Metadata;
  readonly retries?: number;
}

type Req<A extends ApiMap, S extends keyof A, E extends keyof A[S]> = A[S][E]["request"];
type Res<A extends ApiMap, S extends keyof A, E extends keyof A[S]> = A[S][E]["response"];

export class Client<Cs extends readonly ServiceContract[]> {
  private readonly idempotent = new Set<string>();
  private readonly codec: Codec;
  private readonly invoke: Invoke;

  constructor(private readonly options: ClientOptions<Cs>) {
    this.codec = options.codec ?? jsonCodec;
    for (const contract of options.contracts) {
      for (const [method, spec] of Object.entries(contract.endpoints)) {
        if (spec.idempotent) this.idempotent.add(`${contract.name}\u0000${endpointName(contract, method)}`);
      }
    }
    const inner: Invoke = (call) => this.send(call);
    this.invoke = (options.wrappers ?? []).reduceRight((next, wrap) => wrap(next), inner);
  }

  /** A typed call: `client.call("users", "UsersService.Get", { id: 1 })`. */
  call<S extends keyof ApiOf<Cs> & string, E extends keyof ApiOf<Cs>[S] & string>(
    service: S,
    endpoint: E,
    request: Req<ApiOf<Cs>, S, E>,
    options?: CallOptions,
  ): Promise<Res<ApiOf<Cs>, S, E>> {
    return this.callRaw(service, endpoint, request, options) as Promise<Res<ApiOf<Cs>, S, E>>;
  }

  /** An untyped call to any service, for generic forwarding such as the gateway's `/rpc`. */
  callRaw(service: string, endpoint: string, request: unknown, options: CallOptions = {}): Promise<unknown> {
    const now = Date.now();
    const own = now + (options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    const parent = options.context;
    const deadline = parent ? Math.min(own, parent.deadline) : own;
    const metadata = parent ? { ...parent.metadata, ...options.metadata } : (options.metadata ?? {});
    const badKey = Object.keys(metadata).find((key) => !isValidMetadataKey(key));
    if (badKey !== undefined) {
      return Promise.reject(badRequest(service, `metadata key "${badKey}" must be a lower-case token`));
    }
    return this.invoke({
      service,
      endpoint,
      request,
      metadata,
      deadline,
      retries: options.retries ?? this.options.retries ?? DEFAULT_RETRIES,
      idempotent: this.idempotent.has(`${service}\u0000${endpoint}`),
    });
  }

  async close(): Promise<void> {
    await this.options.transport.close();
  }

  private async send(call: ClientCall): Promise<unknown> {
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) throw gatewayTimeout(call.service, `${call.service} did not answer in time`);
    // A held timer cleared when the call ends, not AbortSignal.timeout(): on Node 20 that signal
    // costs more than a TCP round trip to make and lives on until the timeout passes.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException("deadline exceeded", "TimeoutError")), remaining);
    try {
      return await this.attempts(call, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async attempts(call: ClientCall, signal: AbortSignal): Promise<unknown> {
    const body = this.codec.encode(call.request);
    const tried = new Set<string>();
    let last: MicroError | undefined;
    for (let attempt = 0; ; attempt++) {
      // With no node left to retry on, what happened on the last one is the answer.
      const node = await this.select(call.service, tried).catch((error: unknown) => {
        throw last ?? error;
      });
      tried.add(node.id);
      const perAttempt = this.attemptSignal(call, signal, attempt < call.retries);
      try {
        const response = await this.options.transport.request(
          node.address,
          { service: call.service, endpoint: call.endpoint, metadata: call.metadata, timeoutMs: call.deadline - Date.now(), body },
          perAttempt.signal,
        );
        if (response.ok) return this.codec.decode(response.body);
        throw MicroError.fromWire(this.codec.decode(response.body), call.service);
      } catch (error) {
        const failure = perAttempt.signal.aborted && !signal.aborted ? this.attemptTimedOut(call, node) : this.failure(error, call, node, signal);
        last = mostTelling(last, failure.error);
        if (!failure.retry || attempt >= call.retries) throw last;
        await backoff(attempt, signal).catch(() => {
          throw gatewayTimeout(call.service, `${call.service} did not answer in time`);
        });
      } finally {
        perAttempt.dispose();
      }
    }
  }

  /**
   * The signal for one attempt. An idempotent call that has retries left gets its own shorter
   * timeout: a node that died mid-call may never answer (NATS gives no sign of it), and the read
   * is better retried on another node than left waiting for the whole deadline.
   */
  private attemptSignal(call: ClientCall, overall: AbortSignal, canRetry: boolean): { signal: AbortSignal; dispose(): void } {
    const perAttempt = this.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    if (!call.idempotent || !canRetry || 2 * perAttempt > call.deadline - Date.now()) return { signal: overall, dispose: () => {} };
    // Not AbortSignal.any(): on Node 20 it holds its sources weakly, and a timeout signal nobody
    // else references can be collected before it fires. A held timer cannot.
    const controller = new AbortController();
    const onAbort = () => controller.abort(overall.reason);
    overall.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException("attempt timed out", "TimeoutError")), perAttempt);
    return {
      signal: controller.signal,
      dispose: () => {
        clearTimeout(timer);
        overall.removeEventListener("abort", onAbort);
      },
    };
  }

  private attemptTimedOut(call: ClientCall, node: Node): { error: MicroError; retry: boolean } {
    this.options.selector.markFailed(node);
    return { error: gatewayTimeout(call.service, `${call.service} did not answer in time`), retry: true };
  }

  /** A node, or a 503 when there is none or the registry cannot be asked (and has no cache). */
  private async select(service: string, tried: ReadonlySet<string>): Promise<Node> {
    try {
      return await this.options.selector.select(service, tried);
    } catch (error) {
      if (isMicroError(error)) throw error;
      throw unavailable(service, `service ${service} cannot be looked up: registry unavailable`, { cause: error });
    }
  }

  private failure(error: unknown, call: ClientCall, node: Node, signal: AbortSignal): { error: MicroError; retry: boolean } {
    if (isMicroError(error)) return { error, retry: false };
    if (signal.aborted) {
      return { error: gatewayTimeout(call.service, `${call.service} did not answer in time`, { cause: error }), retry: false };
    }
    if (error instanceof ConnectionError) {
      this.options.selector.markFailed(node);
      return { error: unavailable(call.service, `service ${call.service} has no reachable node`, { cause: error }), retry: true };
    }
    if (error instanceof ConnectionLostError) {
      return { error: unavailable(call.service, `connection to ${call.service} lost`, { cause: error }), retry: call.idempotent };
    }
    return { error: unavailable(call.service, `call to ${call.service} failed`, { cause: error }), retry: false };
  }
}

/**
 * Of the failures of one call's attempts, the one to report: a node that took too long (504)
 * says more than one that could not be reached (503), which a retry may have hit afterwards.
 */
function mostTelling(earlier: MicroError | undefined, latest: MicroError): MicroError {
  return earlier?.code === 504 && latest.code === 503 ? earlier : latest;
}

/** Waits before retry `attempt` (0-based); rejects when `signal` aborts first. */
function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  const ms = Math.random() * Math.min(RETRY_BACKOFF_CAP_MS, RETRY_BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
