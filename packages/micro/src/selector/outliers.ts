/**
 * Outlier detection, as Envoy does it: a node whose calls fail in a row (time out, lose their
 * connection, answer 500 or 503), or that cannot be reached at all, is ejected from selection for a
 * while, longer each time it is ejected again. When the time is up it gets one trial call; if that
 * succeeds it ramps back up to its full share over `rampUpMs`, if it fails it is ejected again.
 * Selection itself never leaves a service without a node (see the selector).
 *
 * State exists only for nodes that failed lately, so a healthy cluster costs one map lookup per
 * report and nothing per selection.
 */

/** What one attempt on a node said about the node. */
export type Outcome = "success" | "failure" | "unreachable";

export type NodeState = "healthy" | "ejected" | "trial" | "ramping";

export interface OutlierOptions {
  /** Failures in a row that eject a node. @default 3 */
  readonly consecutiveFailures?: number;
  /** The first ejection's length; each further one doubles it. @default 1000 */
  readonly baseEjectionMs?: number;
  /** @default 30000 */
  readonly maxEjectionMs?: number;
  /** How long a node that passed its trial takes to get its full share back. @default 2000 */
  readonly rampUpMs?: number;
  /** Told when a node's state changes, for metrics and logs. */
  readonly onChange?: (service: string, nodeId: string, state: NodeState) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_CONSECUTIVE_FAILURES = 3;
export const DEFAULT_BASE_EJECTION_MS = 1000;
export const DEFAULT_MAX_EJECTION_MS = 30_000;
export const DEFAULT_RAMP_UP_MS = 2000;
/** A trial whose outcome never came (its call was abandoned before it was sent) is given up after this. */
const TRIAL_EXPIRY_MS = 10_000;

interface Health {
  readonly service: string;
  state: NodeState;
  failures: number;
  ejections: number;
  /** Ejected: until when. Trial: since when. Ramping: since when. */
  at: number;
}

export class OutlierDetector {
  private readonly nodes = new Map<string, Health>();
  private readonly o: Required<Omit<OutlierOptions, "onChange">> & Pick<OutlierOptions, "onChange">;

  constructor(options: OutlierOptions = {}) {
    this.o = {
      consecutiveFailures: options.consecutiveFailures ?? DEFAULT_CONSECUTIVE_FAILURES,
      baseEjectionMs: options.baseEjectionMs ?? DEFAULT_BASE_EJECTION_MS,
      maxEjectionMs: options.maxEjectionMs ?? DEFAULT_MAX_EJECTION_MS,
      rampUpMs: options.rampUpMs ?? DEFAULT_RAMP_UP_MS,
      now: options.now ?? Date.now,
      onChange: options.onChange,
    };
  }

  /** True when no node has failed lately: selection needs no checks. */
  get clear(): boolean {
    return this.nodes.size === 0;
  }

  /** Whether `nodeId` may take the call being placed now; a trial is handed out once. */
  admit(nodeId: string): boolean {
    const h = this.nodes.get(nodeId);
    if (h === undefined || h.state === "healthy") return true;
    const now = this.o.now();
    switch (h.state) {
      case "ejected":
        if (now < h.at) return false;
        this.move(nodeId, h, "trial", now);
        return true;
      case "trial":
        if (now - h.at < TRIAL_EXPIRY_MS) return false;
        h.at = now;
        return true;
      case "ramping": {
        const share = (now - h.at) / this.o.rampUpMs;
        if (share < 1) return Math.random() < share;
        this.recover(nodeId, h);
        return true;
      }
    }
  }

  report(service: string, nodeId: string, outcome: Outcome): void {
    const h = this.nodes.get(nodeId);
    if (outcome === "success") {
      if (h === undefined) return;
      if (h.state === "trial") this.move(nodeId, h, "ramping", this.o.now());
      else if (h.state === "healthy") this.nodes.delete(nodeId);
      return;
    }
    const health = h ?? this.track(service, nodeId);
    health.failures++;
    // An unreachable node, or one failing its trial or its ramp, needs no further evidence.
    const eject = outcome === "unreachable" || health.state !== "healthy" || health.failures >= this.o.consecutiveFailures;
    if (eject && health.state !== "ejected") this.eject(nodeId, health);
  }

  stateOf(nodeId: string): NodeState {
    return this.nodes.get(nodeId)?.state ?? "healthy";
  }

  /** Forgets the nodes of `service` that are no longer registered. */
  retain(service: string, nodes: readonly { readonly id: string }[]): void {
    if (this.nodes.size === 0) return;
    const live = new Set(nodes.map((n) => n.id));
    for (const [id, h] of this.nodes) if (h.service === service && !live.has(id)) this.nodes.delete(id);
  }

  private track(service: string, nodeId: string): Health {
    const h: Health = { service, state: "healthy", failures: 0, ejections: 0, at: 0 };
    this.nodes.set(nodeId, h);
    return h;
  }

  private eject(nodeId: string, h: Health): void {
    h.ejections++;
    const ms = Math.min(this.o.maxEjectionMs, this.o.baseEjectionMs * 2 ** (h.ejections - 1));
    this.move(nodeId, h, "ejected", this.o.now() + ms);
  }

  private recover(nodeId: string, h: Health): void {
    this.nodes.delete(nodeId);
    this.o.onChange?.(h.service, nodeId, "healthy");
  }

  private move(nodeId: string, h: Health, state: NodeState, at: number): void {
    h.state = state;
    h.at = at;
    h.failures = 0;
    this.o.onChange?.(h.service, nodeId, state);
  }
}
