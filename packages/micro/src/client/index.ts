/**
 * The RPC client: `call(service, endpoint, request, options)`. It picks a node through the
 * selector, sends the call with its absolute deadline, rebuilds wire errors, tells the selector
 * how each attempt went, and retries on another node when the request never reached the first one
 * (or, for idempotent calls, when the connection broke mid-call or the node did not answer within
 * the attempt's timeout), within a retry budget. Deadlines are numbers, never AbortSignals: on
 * Node 20 a controller and a listener cost about ten times a setTimeout and clearTimeout.
 */
import type { Account } from "../auth/index.js";
import { type Codec, jsonCodec } from "../codec/index.js";
import type { ApiMap, ApiOf, ServiceContract } from "../contract/index.js";
import { endpointName } from "../contract/index.js";
import { MicroError, type MicroErrorOptions, badRequest, gatewayTimeout, isMicroError, unavailable } from "../errors/index.js";
import { type CallContext, type Metadata, isValidMetadataKey } from "../metadata/index.js";
import type { Node } from "../registry/index.js";
import type { Outcome, Selection, Selector } from "../selector/index.js";
import { CallTimeoutError, ConnectionError, ConnectionLostError, type TransportClient } from "../transport/index.js";
import { RetryBudget, type RetryBudgetOptions } from "./budget.js";
import type { CallWrapper, ClientCall, Invoke } from "./middleware.js";

export type { CallWrapper, ClientCall, Invoke } from "./middleware.js";
export { RetryBudget, type RetryBudgetOptions, DEFAULT_RETRY_RATIO, DEFAULT_MIN_RETRIES_PER_SECOND } from "./budget.js";

export const DEFAULT_CALL_TIMEOUT_MS = 5000;
export const DEFAULT_RETRIES = 2;
/**
 * How long one attempt of an idempotent call may take before it is retried on another node, and
 * its node counted as failing: a frozen node holds every call sent to it, so this bounds how long
 * it can stall its callers. Applied only when at least twice this remains of the deadline, and
 * retries are held to a budget, so that under overload (when every attempt is slow) it cannot turn
 * into a storm of retries that adds to the load.
 */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 1000;
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
  /** Per-attempt timeout of idempotent calls, retried on another node after it. @default 1000 */
  readonly attemptTimeoutMs?: number;
  /** How many retries calls may add. */
  readonly retryBudget?: RetryBudgetOptions;
  /** Outermost first. */
  readonly wrappers?: readonly CallWrapper[];
  /** The clock deadlines are reckoned by, epoch ms; tests pass a manual one. @default Date.now */
  readonly now?: () => number;
}

export interface CallOptions {
  /** The incoming call this one is made for: its deadline bounds ours, its metadata travels on. */
  readonly context?: CallContext;
  readonly timeoutMs?: number;
  readonly metadata?: Metadata;
  readonly retries?: number;
  /** Who the call acts for; by default the context's account, else the calling program itself. */
  readonly account?: Pick<Account, "id" | "roles"> | undefined;
  /**
   * This call is safe to repeat although its endpoint is not idempotent, because the caller made
   * it so (an idempotency key the callee honours, say): it may be retried after a lost connection
   * or an attempt's timeout.
   */
  readonly idempotent?: boolean;
}

type Req<A extends ApiMap, S extends keyof A, E extends keyof A[S]> = A[S][E]["request"];
type Res<A extends ApiMap, S extends keyof A, E extends keyof A[S]> = A[S][E]["response"];

export class Client<Cs extends readonly ServiceContract[]> {
  private readonly idempotent = new Set<string>();
  private readonly codec: Codec;
  private readonly invoke: Invoke;
  private readonly budget: RetryBudget;
  private readonly now: () => number;

  constructor(private readonly options: ClientOptions<Cs>) {
    this.codec = options.codec ?? jsonCodec;
    this.now = options.now ?? Date.now;
    this.budget = new RetryBudget(options.retryBudget);
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

  /**
   * A typed call whose answer is the response body as the service encoded it (JSON): for a caller
   * that only forwards it, such as the gateway, decoding and encoding it again is wasted work.
   * Failures are decoded and thrown as with `call`.
   */
  callEncoded<S extends keyof ApiOf<Cs> & string, E extends keyof ApiOf<Cs>[S] & string>(
    service: S,
    endpoint: E,
    request: Req<ApiOf<Cs>, S, E>,
    options?: CallOptions,
  ): Promise<Uint8Array> {
    return this.start(service, endpoint, request, options, true) as Promise<Uint8Array>;
  }

  /**
   * An untyped call whose answer is the response body as the service encoded it: for a caller
   * that forwards calls it learned of at run time, such as the gateway serving the catalog.
   */
  forward(service: string, endpoint: string, request: unknown, options?: CallOptions): Promise<Uint8Array> {
    return this.start(service, endpoint, request, options, true) as Promise<Uint8Array>;
  }

  /** An untyped call to any service, for generic forwarding such as the gateway's `/rpc`. */
  callRaw(service: string, endpoint: string, request: unknown, options?: CallOptions): Promise<unknown> {
    return this.start(service, endpoint, request, options, false);
  }

  private start(service: string, endpoint: string, request: unknown, options: CallOptions = {}, encoded: boolean): Promise<unknown> {
    const now = this.now();
    const own = now + (options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
    const parent = options.context;
    const deadline = parent ? Math.min(own, parent.deadline) : own;
    const metadata = parent ? { ...parent.metadata, ...options.metadata } : (options.metadata ?? {});
    const badKey = firstBadKey(metadata);
    if (badKey !== undefined) {
      return Promise.reject(badRequest(service, `metadata key "${badKey}" must be a lower-case token`, { local: true, reason: "invalid_metadata" }));
    }
    return this.invoke({
      service,
      endpoint,
      request,
      metadata,
      deadline,
      retries: options.retries ?? this.options.retries ?? DEFAULT_RETRIES,
      idempotent: options.idempotent === true || this.idempotent.has(`${service}\u0000${endpoint}`),
      encoded,
      account: options.account ?? parent?.account,
    });
  }

  async close(): Promise<void> {
    await this.options.transport.close();
  }

  private async send(call: ClientCall): Promise<unknown> {
    // No node was asked yet: whatever ran out the deadline was the caller's.
    if (call.deadline <= this.now()) throw timedOut(call.service, LOCAL);
    const body = this.encode(call);
    this.budget.called(call.service);
    // Made at the first retry: most calls never need it.
    let tried: Set<string> | undefined;
    let last: MicroError | undefined;
    for (let attempt = 0; ; attempt++) {
      let node: Node;
      let others: number;
      try {
        ({ node, others } = await this.select(call.service, tried));
      } catch (error) {
        // With no node left to retry on, what happened on the last one is the answer.
        throw last ?? error;
      }
      const remaining = call.deadline - this.now();
      // Out of time before the first attempt (the registry was slow) is the caller's; after one, the callee's.
      if (remaining <= 0) throw timedOut(call.service, last === undefined ? LOCAL : undefined);
      const timeoutMs = this.attemptTimeout(call, remaining, attempt < call.retries && others > 0);
      try {
        const response = await this.options.transport.request(node.address, {
          service: call.service,
          endpoint: call.endpoint,
          metadata: call.metadata,
          deadline: this.now() + timeoutMs,
          body,
        });
        this.options.selector.report(call.service, node, response.ok || !NODE_FAILURES.has(response.code ?? 0) ? "success" : "failure");
        if (response.ok) return call.encoded ? response.body : this.codec.decode(response.body);
        throw MicroError.fromWire(this.codec.decode(response.body), call.service);
      } catch (error) {
        if (isMicroError(error)) throw error;
        // From the figures the attempt started with, not the clock: timers fire a little early or late.
        const failure = this.failure(error, call, timeoutMs < remaining);
        this.options.selector.report(call.service, node, failure.outcome);
        last = mostTelling(last, failure.error);
        // A request that never reached a node loads no one: only retries of ones that did are budgeted.
        const allowed = failure.outcome === "unreachable" || this.budget.retry(call.service);
        if (!failure.retry || attempt >= call.retries || !allowed) throw last;
        (tried ??= new Set()).add(node.id);
      }
      await backoff(attempt, call.deadline - this.now());
      if (call.deadline <= this.now()) throw timedOut(call.service);
    }
  }

  /** The request's bytes; one the codec cannot encode (a BigInt, too deep) is the caller's 400. */
  private encode(call: ClientCall): Uint8Array {
    try {
      return this.codec.encode(call.request);
    } catch (error) {
      throw badRequest(call.service, "request: cannot be encoded", { cause: error, local: true, reason: "unencodable_request" });
    }
  }

  /**
   * How long one attempt may wait. An idempotent call that has retries left gets a shorter
   * timeout of its own: a node that died mid-call may never answer (NATS gives no sign of it), and
   * the read is better retried on another node than left waiting for the whole deadline. The
   * callee is sent this figure as its deadline too, since the caller abandons the attempt then.
   */
  private attemptTimeout(call: ClientCall, remaining: number, canRetry: boolean): number {
    const perAttempt = this.options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    return call.idempotent && canRetry && 2 * perAttempt <= remaining ? perAttempt : remaining;
  }

  /**
   * A node, or a 503 when there is none or the registry cannot be asked (and has no cache). Either
   * way no node was asked, so the error is local (the selector marks its own "no reachable node").
   */
  private async select(service: string, tried: ReadonlySet<string> | undefined): Promise<Selection> {
    try {
      return await this.options.selector.select(service, tried);
    } catch (error) {
      if (isMicroError(error)) throw error;
      throw unavailable(service, `service ${service} cannot be looked up: registry unavailable`, { cause: error, local: true, reason: "registry_unavailable" });
    }
  }

  /**
   * What a transport failure means for the call and for the node.
   * @param attemptCut the attempt had a timeout shorter than what remained of the deadline
   */
  private failure(error: unknown, call: ClientCall, attemptCut: boolean): { error: MicroError; retry: boolean; outcome: Outcome } {
    if (error instanceof CallTimeoutError) {
      // Only a timeout of the attempt's own leaves time for another node; the deadline leaves none.
      return { error: timedOut(call.service, { cause: error }), retry: attemptCut && call.idempotent, outcome: "failure" };
    }
    if (error instanceof ConnectionError) {
      // The request never reached the node (refused, unresolvable): local, like finding no node at all.
      return { error: unavailable(call.service, `service ${call.service} has no reachable node`, { cause: error, local: true, reason: "no_node" }), retry: true, outcome: "unreachable" };
    }
    if (error instanceof ConnectionLostError) {
      return { error: unavailable(call.service, `connection to ${call.service} lost`, { cause: error, reason: "connection_lost" }), retry: call.idempotent, outcome: "failure" };
    }
    return { error: unavailable(call.service, `call to ${call.service} failed`, { cause: error, reason: "call_failed" }), retry: false, outcome: "failure" };
  }
}

/**
 * Answers that count against the node that gave them: it failed (500) or cannot serve (503).
 * A 504 is left out: it says a service further down was slow, not this node.
 */
const NODE_FAILURES: ReadonlySet<number> = new Set([500, 503]);

/** Keys already found valid: the same few keys travel on every call, a regex each time is waste. */
const validKeys = new Set<string>();
const MAX_REMEMBERED_KEYS = 256;

function firstBadKey(metadata: Metadata): string | undefined {
  for (const key in metadata) {
    if (validKeys.has(key)) continue;
    if (!isValidMetadataKey(key)) return key;
    if (validKeys.size < MAX_REMEMBERED_KEYS) validKeys.add(key);
  }
  return undefined;
}

/**
 * Of the failures of one call's attempts, the one to report: a node that took too long (504)
 * says more than one that could not be reached (503), which a retry may have hit afterwards, and
 * what happened on a node says more than failing to reach another (a local error), so a call
 * whose connection broke still counts against the callee when its retry found no node.
 */
function mostTelling(earlier: MicroError | undefined, latest: MicroError): MicroError {
  if (earlier === undefined) return latest;
  if (earlier.code === 504 && latest.code === 503) return earlier;
  return latest.local && !earlier.local ? earlier : latest;
}

/** For errors made here, before or without a node's answer: see `MicroError.local`. */
const LOCAL = { local: true } as const;

function timedOut(service: string, options?: MicroErrorOptions): MicroError {
  return gatewayTimeout(service, `${service} did not answer in time`, { ...options, reason: "deadline_exceeded" });
}

/** Waits before retry `attempt` (0-based), never past the `remaining` time of the call. */
function backoff(attempt: number, remaining: number): Promise<void> {
  const ms = Math.random() * Math.min(RETRY_BACKOFF_CAP_MS, RETRY_BACKOFF_BASE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, remaining)));
}
