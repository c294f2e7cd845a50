/**
 * The catalog as the gateway sees it, kept current from the registry: read once at start, then
 * on every watch event, with a slow full read to catch anything a watch missed (a registry
 * restarted, a gap in the stream). Each change builds a new RouteTable and swaps it in.
 *
 * A service's catalog outlives its nodes. When its last node goes, its routes stay and answer 503
 * (no node), as a route of a service that is down should, rather than 404 as if it never existed.
 * The order services were first seen in decides who keeps a contested route; at start, when the
 * gateway cannot know who came first, it is the order of their names.
 */
import type { FastifyBaseLogger } from "fastify";
import type { Endpoint, RegisteredService, Registry, Watcher } from "@gw/micro";
import { type Reserved, RouteTable, type ServiceCatalog } from "./route-table.js";

/** How often the whole registry is read again, besides the watch. */
export const CATALOG_RESYNC_MS = 10_000;

export interface LiveCatalogOptions {
  readonly registry: Registry;
  readonly logger: FastifyBaseLogger;
  readonly reserved?: Reserved;
  readonly resyncMs?: number;
}

export class LiveCatalog {
  private current = new RouteTable([]);
  private readonly catalogs = new Map<string, readonly Endpoint[]>();
  /** What each version of each service registered: a service's catalog merges its versions. */
  private readonly versions = new Map<string, Map<string, readonly Endpoint[]>>();
  private readonly fingerprints = new Map<string, string>();
  private readonly reported = new Set<string>();
  private readonly listeners = new Set<(table: RouteTable) => void>();
  private watcher: Watcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: LiveCatalogOptions) {}

  /** The routes now served. */
  get table(): RouteTable {
    return this.current;
  }

  /** Services whose catalog the gateway knows, in first-seen order. */
  get services(): string[] {
    return [...this.catalogs.keys()];
  }

  /**
   * Every known service's endpoints, routed or not (an endpoint without an HTTP binding is here
   * too), by service name in first-seen order. A service whose nodes are all gone stays listed.
   */
  get endpoints(): ReadonlyMap<string, readonly Endpoint[]> {
    return this.catalogs;
  }

  /** The endpoints `service` last registered, or undefined for a service the catalog never read. */
  endpointsOf(service: string): readonly Endpoint[] | undefined {
    return this.catalogs.get(service);
  }

  /** Calls `listener` with each new table. */
  onChange(listener: (table: RouteTable) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Watches, then reads the registry once; a registry that is away is retried by the resync. */
  async start(): Promise<void> {
    this.watcher = this.options.registry.watch((event) => {
      if (event.action !== "delete") this.learn([event.service]);
    });
    await this.resync();
    const every = this.options.resyncMs ?? CATALOG_RESYNC_MS;
    this.timer = setInterval(() => void this.resync(), every);
    this.timer.unref();
  }

  /** Reads every registered service again. */
  async resync(): Promise<void> {
    let services: RegisteredService[];
    try {
      services = await this.options.registry.listServices();
    } catch (error) {
      this.options.logger.warn({ err: error }, "cannot read the catalog from the registry; serving the routes last known");
      return;
    }
    this.learn([...services].sort((a, b) => a.name.localeCompare(b.name)));
  }

  close(): void {
    this.closed = true;
    this.watcher?.stop();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private learn(services: readonly RegisteredService[]): void {
    if (this.closed) return;
    let changed = false;
    for (const service of services) {
      // A service registered with no endpoints says nothing about its routes.
      if (service.endpoints.length === 0 || service.nodes.length === 0) continue;
      const fingerprint = JSON.stringify(service.endpoints);
      const key = `${service.name}@${service.version}`;
      if (this.fingerprints.get(key) === fingerprint) continue;
      this.fingerprints.set(key, fingerprint);
      const versions = this.versions.get(service.name) ?? new Map<string, readonly Endpoint[]>();
      versions.set(service.version, service.endpoints);
      this.versions.set(service.name, versions);
      this.catalogs.set(service.name, merged(versions));
      changed = true;
    }
    if (changed) this.rebuild();
  }

  private rebuild(): void {
    const catalogs: ServiceCatalog[] = [...this.catalogs].map(([service, endpoints]) => ({ service, endpoints }));
    const table = new RouteTable(catalogs, this.options.reserved);
    for (const problem of table.problems) {
      if (this.reported.has(problem)) continue;
      this.reported.add(problem);
      this.options.logger.warn({ problem }, `catalog: ${problem}`);
    }
    for (const route of table.routes) {
      if (route.endpoint.metadata.auth === undefined) {
        const line = `${route.service} ${route.endpoint.name} declares no auth rule: with auth on, only admins may call ${route.served.method} ${route.served.template}`;
        if (!this.reported.has(line)) {
          this.reported.add(line);
          this.options.logger.warn(line);
        }
      }
    }
    this.current = table;
    this.options.logger.info({ routes: table.routes.length, services: catalogs.length }, "catalog routes rebuilt");
    for (const listener of this.listeners) listener(table);
  }
}

/**
 * One catalog from every version a service registered: each endpoint as the highest version
 * declares it. Several versions run side by side during a rolling upgrade (or a test's stand-in
 * registers a few endpoints of its own); neither may take away the routes of the other.
 */
function merged(versions: ReadonlyMap<string, readonly Endpoint[]>): readonly Endpoint[] {
  const byName = new Map<string, Endpoint>();
  for (const version of [...versions.keys()].sort(newestFirst)) {
    for (const endpoint of versions.get(version) ?? []) if (!byName.has(endpoint.name)) byName.set(endpoint.name, endpoint);
  }
  return [...byName.values()];
}

/** `1.10.0` before `1.9.2` before `1.9`; parts that are not numbers compare as text. */
function newestFirst(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (x !== "" && y !== "" && Number.isInteger(nx) && Number.isInteger(ny)) return ny - nx;
    return y.localeCompare(x);
  }
  return 0;
}
