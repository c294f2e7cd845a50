/**
 * Turns changes in the local registry's directory tree into watch events by diffing scans.
 * fs.watch gives prompt notice where the platform has it; a poll catches whatever it misses
 * (dropped inotify events, file systems without notifications), and an expiry timer reports a node
 * whose TTL ran out, since nothing touches the file of a process that was killed.
 * Nothing here may throw out of a timer or watcher callback: folders come and go under our feet.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { type WatchEvent, serviceWithNode } from "../index.js";
import { delayUntilNextExpiry } from "../records.js";
import { FOLDER_MODE } from "./permissions.js";
import { type ScannedRecord, scanSync } from "./records.js";

/** Fallback when fs.watch says nothing; a missed change is at most this late. */
export const POLL_INTERVAL_MS = 1_000;
/** One registration makes several fs events (temp file, write, rename); they are folded into one scan. */
const SETTLE_MS = 2;
/** The key for the top folder's fs watcher; service folders use their name, which is never empty. */
const ROOT = "";

export class DirectoryTail {
  private known = new Map<string, ScannedRecord>();
  private readonly folderWatchers = new Map<string, fs.FSWatcher>();
  private running = false;
  private poll: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly directory: string,
    private readonly emit: (event: WatchEvent) => void,
  ) {}

  /** Takes the current tree as the baseline, silently: watchers hear only what changes from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    try {
      fs.mkdirSync(this.directory, { recursive: true, mode: FOLDER_MODE });
    } catch {
      // Unwritable or racing a removal: the poll keeps trying to watch it.
    }
    this.known = new Map();
    this.scan(false);
    this.poll = setInterval(() => this.scan(true), POLL_INTERVAL_MS);
    this.poll.unref();
  }

  /** Reports pending changes now, so a watcher added next starts from the present. */
  catchUp(): void {
    if (this.running) this.scan(true);
  }

  /** Asks for a scan shortly; many calls in a burst make one scan. */
  nudge(): void {
    if (!this.running || this.settle) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      this.scan(true);
    }, SETTLE_MS);
    this.settle.unref();
  }

  stop(): void {
    this.running = false;
    for (const timer of [this.poll, this.settle, this.expiry]) clearTimeout(timer);
    this.poll = this.settle = this.expiry = undefined;
    for (const watcher of this.folderWatchers.values()) closeQuietly(watcher);
    this.folderWatchers.clear();
    this.known = new Map();
  }

  private scan(report: boolean): void {
    if (!this.running) return;
    let scan;
    try {
      scan = scanSync(this.directory);
    } catch {
      // The top folder is unreadable for now; keep what we know and try again at the next poll.
      return;
    }
    const previous = this.known;
    this.known = scan.records;
    if (report) this.report(previous, scan.records);
    // A listener may have stopped the last watcher, and with it this tail.
    if (!this.running) return;
    this.watchFolders(scan.services);
    this.armExpiry();
  }

  private report(previous: Map<string, ScannedRecord>, next: Map<string, ScannedRecord>): void {
    for (const [key, now] of next) {
      const before = previous.get(key);
      if (!before) this.emit({ action: "create", service: serviceWithNode(now.record) });
      else if (before.text !== now.text) this.emit({ action: "update", service: serviceWithNode(now.record) });
    }
    for (const [key, before] of previous) {
      if (!next.has(key)) this.emit({ action: "delete", service: serviceWithNode(before.record) });
    }
  }

  /** Watches the top folder for new services and each service folder for its nodes. */
  private watchFolders(services: readonly string[]): void {
    const wanted = new Set([ROOT, ...services]);
    for (const [name, watcher] of this.folderWatchers) {
      if (wanted.has(name)) continue;
      closeQuietly(watcher);
      this.folderWatchers.delete(name);
    }
    let added = false;
    for (const name of wanted) {
      if (!this.folderWatchers.has(name)) added = this.watchFolder(name) || added;
    }
    // A node written between this scan's listing and its folder's watch would otherwise wait for the poll.
    if (added) this.nudge();
  }

  private watchFolder(name: string): boolean {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(join(this.directory, name), { persistent: false }, () => this.nudge());
    } catch {
      // Gone already, out of inotify watches, or no fs.watch here: the poll covers it.
      return false;
    }
    watcher.on("error", () => {
      closeQuietly(watcher);
      if (this.folderWatchers.get(name) === watcher) this.folderWatchers.delete(name);
      this.nudge();
    });
    this.folderWatchers.set(name, watcher);
    return true;
  }

  /** Wakes up when the next known node expires, so its delete is not left to the poll. */
  private armExpiry(): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    const delay = delayUntilNextExpiry(this.known.values());
    if (delay === undefined) return;
    this.expiry = setTimeout(() => this.scan(true), delay);
    this.expiry.unref();
  }
}

function closeQuietly(watcher: fs.FSWatcher): void {
  try {
    watcher.close();
  } catch {
    // Closing a watcher whose folder vanished can fail; it is released either way.
  }
}
