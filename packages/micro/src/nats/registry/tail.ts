/**
 * Turns changes in the registry's KV bucket into watch events, only while someone watches.
 *
 * A session opens an updates-only KV watcher first, then reads the bucket as the baseline, and only
 * then follows the watcher: nothing changed in between is missed, and an entry the baseline already
 * holds (same or older revision) is not reported twice. `watch()` returns before any of this is
 * set up, so a baseline entry the server stored after `start()` was called is reported as a create
 * (NATS keeps no older value to tell it from an update); the clocks of server and watcher only
 * need to agree about that short startup window. Expiry is ours to report, since a killed
 * node writes nothing: a timer fires at the next known `expiresAt`. When the watcher ends without
 * being asked (NATS restarted, the bucket was recreated), a new session starts and reports the
 * difference between what was known and its new baseline.
 * Nothing here may throw out of a timer or the follow loop.
 */
import type { KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import { type NodeRecord, type WatchAction, type WatchEvent, serviceWithNode } from "../../registry/index.js";
import { delayUntilNextExpiry } from "../../registry/records.js";
import { type StoredRecord, decodeEntry, deleteExpired, readRecords } from "./records.js";
import type { Bucket } from "./store.js";

/** Wait before a new session after a failed or ended one. */
export const RESTART_DELAY_MS = 1_000;

interface Session {
  stopped: boolean;
  watcher: QueuedIterator<KvWatchEntry> | undefined;
  /** Settles once the baseline is taken or failed: a change made after that is reported. */
  ready: Promise<void>;
}

export class KvTail {
  private known = new Map<string, StoredRecord>();
  private session: Session | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private restart: NodeJS.Timeout | undefined;

  constructor(
    private readonly open: () => Promise<Bucket>,
    private readonly emit: (event: WatchEvent) => void,
  ) {}

  /** Takes the bucket as it is now as the baseline: watchers hear only what changes from now on. */
  start(): void {
    if (this.session) return;
    this.known = new Map();
    this.begin(Date.now());
  }

  /** Resolves once the running session has its baseline, so a change made next is reported. */
  ready(): Promise<void> {
    return this.session?.ready ?? Promise.resolve();
  }

  stop(): void {
    if (this.session) {
      this.session.stopped = true;
      this.session.watcher?.stop();
    }
    this.session = undefined;
    clearTimeout(this.expiry);
    clearTimeout(this.restart);
    this.expiry = this.restart = undefined;
    this.known = new Map();
  }

  /**
   * `since`: report the baseline entries stored after this time (an entry of the same millisecond
   * was acknowledged before `start()`, so it is older); undefined: report the difference to what is known.
   */
  private begin(since: number | undefined): void {
    const session: Session = { stopped: false, watcher: undefined, ready: Promise.resolve() };
    this.session = session;
    session.ready = this.baseline(session, since).then(
      (watcher) => void (watcher && this.follow(session, watcher)),
      () => this.restartLater(session),
    );
  }

  private async baseline(session: Session, since: number | undefined): Promise<QueuedIterator<KvWatchEntry> | undefined> {
    const bucket = await this.open();
    const watcher = await bucket.kv.watch({ include: "updates" });
    session.watcher = watcher;
    if (session.stopped) {
      watcher.stop();
      return undefined;
    }
    const { live } = await readRecords(bucket, ">");
    if (session.stopped) return undefined;
    const previous = this.known;
    this.known = new Map(live.map((s) => [s.key, s]));
    if (since === undefined) this.reportDifference(previous);
    else for (const s of live) if (s.storedAt > since) this.report("create", s.record);
    // A listener may have stopped the last watcher, and with it this session.
    if (session.stopped) return undefined;
    this.armExpiry();
    return watcher;
  }

  private async follow(session: Session, watcher: QueuedIterator<KvWatchEntry>): Promise<void> {
    try {
      for await (const entry of watcher) {
        if (session.stopped) return;
        this.apply(entry);
      }
    } catch {
      // The watcher failed; the restart below takes a new baseline.
    }
    if (!session.stopped) this.restartLater(session);
  }

  private restartLater(session: Session): void {
    if (session.stopped || this.session !== session) return;
    session.watcher?.stop();
    this.restart = setTimeout(() => {
      this.restart = undefined;
      if (this.session === session) this.begin(undefined);
    }, RESTART_DELAY_MS);
    this.restart.unref();
  }

  private apply(entry: KvWatchEntry): void {
    const before = this.known.get(entry.key);
    if (before && entry.revision <= before.revision) return;
    const stored = decodeEntry(entry);
    if (!stored || stored.record.expiresAt <= Date.now()) {
      // Deleted, expired on arrival, or garbage: gone, if we knew it.
      if (before) this.forget(before);
      return;
    }
    this.known.set(entry.key, stored);
    this.report(before ? "update" : "create", stored.record);
    // A listener may have stopped the last watcher, and with it this tail.
    if (this.session) this.armExpiry();
  }

  private reportDifference(previous: Map<string, StoredRecord>): void {
    for (const [key, now] of this.known) {
      const before = previous.get(key);
      if (!before) this.report("create", now.record);
      else if (before.revision !== now.revision) this.report("update", now.record);
    }
    for (const [key, before] of previous) if (!this.known.has(key)) this.report("delete", before.record);
  }

  private forget(stored: StoredRecord): void {
    this.known.delete(stored.key);
    this.report("delete", stored.record);
  }

  private report(action: WatchAction, record: NodeRecord): void {
    this.emit({ action, service: serviceWithNode(record) });
  }

  /** Wakes at the next known expiry, reports what expired, and deletes it from the bucket. */
  private armExpiry(): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    const delay = delayUntilNextExpiry(this.known.values());
    if (delay === undefined) return;
    this.expiry = setTimeout(() => this.expire(), delay);
    this.expiry.unref();
  }

  private expire(now = Date.now()): void {
    this.expiry = undefined;
    const expired = [...this.known.values()].filter((s) => s.record.expiresAt <= now);
    for (const stored of expired) this.forget(stored);
    // A listener may have stopped the last watcher, and with it this tail.
    if (!this.session) return;
    this.armExpiry();
    if (expired.length > 0) void this.open().then((bucket) => deleteExpired(bucket, expired), () => undefined);
  }
}
