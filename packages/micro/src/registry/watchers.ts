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
