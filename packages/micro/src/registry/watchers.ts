/**
 * A listener set shared by registry implementations. A throwing listener is isolated
 * so that one bad watcher cannot stop the others from hearing about a change.
 */
import type { WatchEvent, Watcher } from "./index.js";

type Listener = (event: WatchEvent) => void;

export class Watchers {
  private readonly listeners = new Set<{ listener: Listener; service: string | undefined }>();

  add(listener: Listener, service?: string): Watcher {
    const entry = { listener, service };
    this.listeners.add(entry);
    return { stop: () => void this.listeners.delete(entry) };
  }

  /**
   * Adds `listener` to a registry whose changes come from `source` (a tail of its storage): the
   * first watcher starts the source, a later one first lets it catch up so the others hear what is
   * pending, and the last to stop stops it. Stopping twice is harmless.
   */
  watchFrom(source: { start(): void; stop(): void; catchUp?(): void }, listener: Listener, service?: string): Watcher {
    if (this.size === 0) source.start();
    else source.catchUp?.();
    const watcher = this.add(listener, service);
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        watcher.stop();
        if (this.size === 0) source.stop();
      },
    };
  }

  emit(event: WatchEvent): void {
    for (const { listener, service } of this.listeners) {
      if (service !== undefined && service !== event.service.name) continue;
      try {
        listener(event);
      } catch {
        // A watcher's own failure is its business; the registry keeps going.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
