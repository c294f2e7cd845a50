/**
 * A caching registry for callers: lookups are served from memory, refreshed when a watch
 * event says the service changed or when the entry is older than `maxAgeMs`. When the
 * registry cannot be reached, the last known nodes keep serving.
 */
import type { Registry, RegisterOptions, RegisteredService, WatchEvent, Watcher } from "./index.js";

export interface CacheOptions {
  /** Refresh an entry this old even without a watch event. @default 5000 */
  readonly maxAgeMs?: number;
  /** The clock entries are aged by, epoch ms; tests pass a manual one. @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_CACHE_MAX_AGE_MS = 5000;

interface Entry {
  services: RegisteredService[];
  /** 0 until the first successful lookup. */
  fetchedAt: number;
  /** Bumped by every watch event, so a lookup that raced a change is not taken as fresh. */
  generation: number;
  /** The generation `services` was fetched in, so a slow old lookup cannot overwrite a newer one. */
  fetchedGeneration: number;
  valid: boolean;
  pending: Promise<RegisteredService[]> | undefined;
  pendingGeneration: number;
}

export class CachedRegistry implements Registry {
  readonly name: string;
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private watcher: Watcher | undefined;

  constructor(
    private readonly inner: Registry,
    options: CacheOptions = {},
  ) {
    this.name = inner.name;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  async getService(name: string): Promise<RegisteredService[]> {
    this.watchOnce();
    const entry = this.entries.get(name);
    if (entry?.valid && this.now() - entry.fetchedAt < this.maxAgeMs) return entry.services;
    if (entry?.pending && entry.pendingGeneration === entry.generation) return entry.pending;
    return this.refresh(name, entry);
  }

  register(service: RegisteredService, options: RegisterOptions): Promise<void> {
    return this.inner.register(service, options);
  }

  deregister(service: RegisteredService): Promise<void> {
    return this.inner.deregister(service);
  }

  listServices(): Promise<RegisteredService[]> {
    return this.inner.listServices();
  }

  watch(listener: (event: WatchEvent) => void, options?: { service?: string }): Watcher {
    return this.inner.watch(listener, options);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** Stops watching. The inner registry belongs to whoever made it, and is left open. */
  async close(): Promise<void> {
    this.watcher?.stop();
    this.watcher = undefined;
    this.entries.clear();
  }

  private refresh(name: string, stale: Entry | undefined): Promise<RegisteredService[]> {
    const entry: Entry = stale ?? {
      services: [],
      fetchedAt: 0,
      generation: 0,
      fetchedGeneration: -1,
      valid: false,
      pending: undefined,
      pendingGeneration: 0,
    };
    this.entries.set(name, entry);
    const generation = entry.generation;
    const pending = this.inner.getService(name).then(
      (services) => {
        if (entry.pending === pending) entry.pending = undefined;
        if (generation < entry.fetchedGeneration) return entry.services;
        entry.services = services;
        entry.fetchedAt = this.now();
        entry.fetchedGeneration = generation;
        entry.valid = entry.generation === generation;
        return services;
      },
      (error: unknown) => {
        if (entry.pending === pending) entry.pending = undefined;
        if (entry.fetchedAt === 0) {
          this.entries.delete(name);
          throw error;
        }
        // The registry is away: keep serving the last known nodes for another maxAge
        // instead of asking it again on every call.
        entry.fetchedAt = this.now();
        entry.valid = true;
        return entry.services;
      },
    );
    entry.pending = pending;
    entry.pendingGeneration = generation;
    return pending;
  }

  private watchOnce(): void {
    if (this.watcher) return;
    this.watcher = this.inner.watch((event) => this.invalidate(event.service.name));
  }

  private invalidate(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.generation++;
    entry.valid = false;
  }
}
