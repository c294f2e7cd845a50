/**
 * Availability figures from the recorded requests and the fault's window: what failed and how,
 * for how long, the longest time in which nothing was answered at all, and how soon after the
 * fault ended the answers were good again.
 */
import type { Sample } from "./load.js";
import type { FaultWindow } from "./timeline.js";
import type { Transport } from "./topology.js";

/**
 * How many answers in a row must be right for the system to count as recovered: about six rounds
 * of 16 connections, so one lucky answer between failures is not taken for recovery.
 */
export const RECOVERED_RUN = 100;
/** The throughput before the fault is taken over this much of the warm-up's end: the programs start cold. */
export const BEFORE_FAULT_MS = 2000;

export interface Availability {
  readonly transport: Transport;
  readonly requests: number;
  readonly failed: number;
  readonly failedPercent: number;
  /** Failed requests by HTTP status (`"503"`) or, without a status, by trouble (`timeout`, `connection`); `wrong-body` for a 2xx with the wrong content. */
  readonly failures: Readonly<Record<string, number>>;
  /** The most frequent error details (`"503 service orders is failing; circuit open"`), with their counts. */
  readonly details: Readonly<Record<string, number>>;
  /** From the first failed request's sending to the last failed request's answer; null when none failed. */
  readonly failureWindowMs: number | null;
  /** The longest time in which no request was answered, from the start of the load to its last answer. */
  readonly longestStallMs: number;
  /** From the fault's end to the first of RECOVERED_RUN right answers in a row; null when that never came. */
  readonly recoveryMs: number | null;
  /** Right answers per second in the BEFORE_FAULT_MS before the fault: what the machine gave this run, to read the rest against. */
  readonly beforeFaultRps: number;
}

export function availability(samples: readonly Sample[], fault: Pick<FaultWindow, "startMs" | "endMs">, transport: Transport): Availability {
  const failed = samples.filter((s) => !s.ok);
  const failures: Record<string, number> = {};
  for (const s of failed) {
    const kind = s.trouble ?? String(s.status);
    failures[kind] = (failures[kind] ?? 0) + 1;
  }
  const byAnswer = inAnswerOrder(samples);
  return {
    transport,
    requests: samples.length,
    failed: failed.length,
    failedPercent: samples.length === 0 ? 0 : round((100 * failed.length) / samples.length, 3),
    failures,
    details: topDetails(failed),
    failureWindowMs: failed.length === 0 ? null : Math.round(Math.max(...failed.map((s) => s.answeredMs)) - Math.min(...failed.map((s) => s.sentMs))),
    longestStallMs: Math.round(longestGap(byAnswer.map((s) => s.answeredMs))),
    recoveryMs: recovery(byAnswer, fault.endMs, true),
    beforeFaultRps: throughput(samples, Math.max(0, fault.startMs - BEFORE_FAULT_MS), fault.startMs),
  };
}

/** How many of the most frequent error details are kept: enough to say what failed. */
const DETAILS_KEPT = 5;

function topDetails(failed: readonly Sample[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const s of failed) {
    if (s.detail === undefined) continue;
    // Ids and numbers vary per request; the kind of failure does not.
    const key = `${s.status} ${s.detail.replace(/\d+/g, "N")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).slice(0, DETAILS_KEPT));
}

/** Right answers per second from `fromMs` to `toMs`. */
function throughput(samples: readonly Sample[], fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const right = samples.filter((s) => s.ok && s.answeredMs >= fromMs && s.answeredMs < toMs).length;
  return Math.round((1000 * right) / (toMs - fromMs));
}

/** The longest gap between consecutive answer times, counting from 0 (the load's start). */
function longestGap(sortedTimes: readonly number[]): number {
  let longest = 0;
  let previous = 0;
  for (const t of sortedTimes) {
    longest = Math.max(longest, t - previous);
    previous = t;
  }
  return longest;
}

/** From `endMs` to the first of RECOVERED_RUN right answers in a row, or null: has the system recovered yet? */
export function recoveryMs(samples: readonly Sample[], endMs: number): number | null {
  return recovery(inAnswerOrder(samples), endMs, false);
}

function inAnswerOrder(samples: readonly Sample[]): Sample[] {
  return [...samples].sort((a, b) => a.answeredMs - b.answeredMs);
}

/**
 * `byAnswer` in answer order. With `shortTail`, the answers after the fault may also all be right
 * and fewer than RECOVERED_RUN: the load stopped before a full run, not the system.
 */
function recovery(byAnswer: readonly Sample[], endMs: number, shortTail: boolean): number | null {
  const after = byAnswer.filter((s) => s.answeredMs >= endMs);
  let runStart = 0;
  for (let i = 0; i < after.length; i++) {
    if (!after[i]?.ok) {
      runStart = i + 1;
      continue;
    }
    const runLength = i - runStart + 1;
    if (runLength >= RECOVERED_RUN || (shortTail && i === after.length - 1)) {
      const first = after[runStart];
      return first ? Math.round(first.answeredMs - endMs) : null;
    }
  }
  return null;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
