/**
 * One clock for a scenario's load and its fault, so request times and fault times compare
 * directly: milliseconds since the load started, monotonic (a wall-clock step cannot skew them).
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Instance } from "../harness.js";

export class Clock {
  private readonly origin = performance.now();

  now(): number {
    return performance.now() - this.origin;
  }
}

export interface TimelineEvent {
  readonly atMs: number;
  readonly what: string;
}

/** What a scenario did and when: the figures measure failures and recovery against it. */
export interface FaultWindow {
  /** When the fault began (the signal sent, the server stopped). */
  readonly startMs: number;
  /** When it ended (SIGCONT, the server accepting again, the last instance registered; for a kill, the kill). */
  readonly endMs: number;
  /** The processes the scenario stopped or killed on purpose: any other exit is a finding. */
  readonly victims: readonly Instance[];
  readonly events: readonly TimelineEvent[];
}

/** Records a scenario's events as they happen. */
export class Timeline {
  private readonly list: TimelineEvent[] = [];

  constructor(readonly clock: Clock) {}

  mark(what: string): number {
    const atMs = this.clock.now();
    this.list.push({ atMs, what });
    return atMs;
  }

  get events(): readonly TimelineEvent[] {
    return [...this.list];
  }
}

/** Waits `ms`; rejects at once with an AbortError when `signal` aborts (Ctrl-C), so a run stops promptly. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}
