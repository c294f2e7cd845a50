/**
 * What a run saw: requests and cases by phase, answers by status, and each distinct fault once
 * (by signature) with its count, the routes it showed on, and the first request that showed it,
 * which is what gets shrunk.
 */
import type { Violation, ViolationKind } from "./checks.js";
import type { FuzzRequest } from "./request.js";
import type { Answer } from "./send.js";

/** `main`: every generated request; `state`: generated writes between snapshots; `snapshot`: the snapshots' own GETs. */
export type Phase = "main" | "state" | "snapshot" | "liveness";

export interface Example {
  readonly phase: Phase;
  /** fast-check's path of the case within its phase: with the seed, it replays the request. */
  readonly path: string;
  readonly request: FuzzRequest | undefined;
  readonly answer: Answer | undefined;
  readonly detail: string;
}

export interface Minimal {
  /** Whether the first request showed the fault again when sent alone. */
  readonly reproduced: boolean;
  readonly path?: string | undefined;
  readonly request?: FuzzRequest | undefined;
  readonly answer?: Answer | undefined;
  readonly shrinks?: number | undefined;
  /** Shrinking ran out of its time budget: smaller, but maybe not the smallest. */
  readonly interrupted?: boolean | undefined;
}

export interface Finding {
  readonly kind: ViolationKind;
  readonly signature: string;
  count: number;
  readonly variants: Set<string>;
  readonly first: Example;
  minimal?: Minimal;
}

const MAX_VARIANTS = 12;
export const KIND_ORDER: readonly ViolationKind[] = ["process", "5xx", "no answer", "leak", "error shape", "request id", "method", "state"];

export class Tally {
  readonly cases = { main: 0, state: 0 };
  requests = 0;
  /** Refused writes whose snapshots before and after were both taken and compared. */
  compared = 0;
  readonly statuses = new Map<string, number>();
  private readonly bySignature = new Map<string, Finding>();

  answered(answer: Answer): void {
    this.requests++;
    const key = answer.status === 0 ? "no answer" : String(answer.status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  violated(violations: readonly Violation[], example: Omit<Example, "detail">): void {
    for (const v of violations) {
      let finding = this.bySignature.get(v.signature);
      if (finding === undefined) {
        finding = { kind: v.kind, signature: v.signature, count: 0, variants: new Set(), first: { ...example, detail: v.detail } };
        this.bySignature.set(v.signature, finding);
      }
      finding.count++;
      const variant = example.request?.label ?? example.phase;
      if (finding.variants.size < MAX_VARIANTS) finding.variants.add(variant);
    }
  }

  /** Findings, the gravest kinds first, then the most frequent. */
  findings(): Finding[] {
    return [...this.bySignature.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || b.count - a.count);
  }

  count(kind: ViolationKind): number {
    return this.findings()
      .filter((f) => f.kind === kind)
      .reduce((sum, f) => sum + f.count, 0);
  }
}
