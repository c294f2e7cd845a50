/**
 * How a program makes clients: every client it makes shares one caching view of the registry,
 * selects nodes with outlier detection reported to the program's metrics, and carries the
 * program's wrappers and timeout; closing closes the clients, last made first, then the cache. The
 * services and the gateway build their clients here alike.
 */
import type { ServiceContract } from "../contract/index.js";
import type { Metrics } from "../metrics/index.js";
import { CachedRegistry } from "../registry/cache.js";
import type { Registry } from "../registry/index.js";
import { RoundRobinSelector } from "../selector/index.js";
import type { Transport } from "../transport/index.js";
import { Client, DEFAULT_CALL_TIMEOUT_MS } from "./index.js";
import type { CallWrapper } from "./middleware.js";

export interface CallersOptions {
  readonly registry: Registry;
  readonly transport: Transport;
  /** @default DEFAULT_CALL_TIMEOUT_MS */
  readonly timeoutMs?: number | undefined;
  /** Outermost first. */
  readonly wrappers?: readonly CallWrapper[] | undefined;
  readonly metrics?: Metrics | undefined;
}

export class Callers {
  /** What the program's clients look nodes up in: the registry, cached and kept fresh by watching. */
  readonly registry: CachedRegistry;
  private readonly clients: Array<Client<readonly ServiceContract[]>> = [];

  constructor(private readonly options: CallersOptions) {
    this.registry = new CachedRegistry(options.registry);
  }

  client<const Cs extends readonly ServiceContract[]>(contracts: Cs): Client<Cs> {
    const client = new Client({
      contracts,
      selector: new RoundRobinSelector(this.registry, { onChange: this.options.metrics?.nodeStateChanged }),
      transport: this.options.transport.client(),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      wrappers: this.options.wrappers ?? [],
    });
    this.clients.push(client as unknown as Client<readonly ServiceContract[]>);
    return client;
  }

  /** Closes every client, last made first, then stops watching the registry (which stays open). */
  async close(): Promise<void> {
    for (const client of this.clients.splice(0).reverse()) await client.close();
    await this.registry.close();
  }
}
