/**
 * Runs the properties with fast-check against one running system, in two phases:
 *
 * - `state`: generated writes, one at a time, each between two snapshots of the lists; a
 *   refused write (any non-2xx) must leave them equal. It runs first, while the lists are short.
 * - `main`: generated requests of every kind, a few at a time over keep-alive connections.
 *
 * Every answer of both phases (and of the snapshots) is checked (see checks.ts). A run does not
 * stop at the first fault: it counts every fault by signature, then asks fast-check to replay the
 * first request that showed each one (the seed and the case's path name it) and shrink it to
 * the smallest request that still shows it.
 */
import fc from "fast-check";
import { type Violation, checkAnswer } from "./checks.js";
import type { FuzzRequest } from "./request.js";
import { anyRequest, writeRequest } from "./requests.js";
import { type Answer, Sender } from "./send.js";
import { difference, snapshot } from "./state.js";
import { type Finding, type Minimal, type Phase, Tally } from "./tally.js";
import { type AuthProfile, adminHeader } from "./tokens.js";

export interface RunOptions {
  readonly url: string;
  readonly profile: AuthProfile;
  readonly seed: number;
  /** Cases of the main phase. */
  readonly runs: number;
  /** Cases of the state phase (each costs two snapshots). */
  readonly stateRuns: number;
  /** Requests in flight at once in the main phase. @default 8 */
  readonly concurrency?: number;
  /** At most this many signatures are shrunk, gravest first. @default 24 */
  readonly maxShrinks?: number;
  /** Time for shrinking one signature. @default 20000 */
  readonly shrinkMs?: number;
  /** Time for shrinking all of them; signatures left when it runs out keep their first request. @default 120000 */
  readonly shrinkTotalMs?: number;
  /** Problems with the programs (dead, not ready); checked after the run. */
  readonly liveness: () => Promise<string[]>;
  readonly onProgress?: (phase: Phase, done: number, total: number, tally: Tally) => void;
}

export interface RunResult {
  readonly seed: number;
  readonly tally: Tally;
  readonly findings: Finding[];
  /** Sending and checking the cases, snapshots included. */
  readonly durationMs: number;
  /** Shrinking the faults found, after the cases. */
  readonly shrinkMs: number;
}

export type FuzzPhase = "main" | "state";

const PROGRESS_EVERY_MS = 2_000;

interface Outcome {
  readonly answer: Answer;
  readonly violations: Violation[];
}

export class Fuzzer {
  readonly tally = new Tally();
  private readonly sender: Sender;
  private readonly admin: string | undefined;
  /** A failure of the suite itself (not of the system): it ends the run once in-flight requests settle. */
  private crash: unknown;

  constructor(private readonly options: RunOptions) {
    this.sender = new Sender(options.url, options.concurrency ?? 8);
    this.admin = adminHeader(options.profile);
  }

  async run(): Promise<RunResult> {
    const started = Date.now();
    let shrinking = started;
    try {
      await this.phase("state", this.options.stateRuns, 1);
      await this.phase("main", this.options.runs, this.options.concurrency ?? 8);
      await this.checkLiveness();
      shrinking = Date.now();
      await this.shrinkFindings();
    } finally {
      await this.sender.close();
    }
    const durationMs = shrinking - started;
    return { seed: this.options.seed, tally: this.tally, findings: this.tally.findings(), durationMs, shrinkMs: Date.now() - shrinking };
  }

  arbitrary(phase: FuzzPhase): fc.Arbitrary<FuzzRequest> {
    return phase === "main" ? anyRequest(this.options.profile) : writeRequest(this.options.profile);
  }

  /** Sends `request` and checks its answer; for the state phase, also the snapshots around it. */
  async evaluate(phase: FuzzPhase, request: FuzzRequest, record?: string): Promise<Outcome> {
    if (phase === "main") return this.exchange(request, record === undefined ? undefined : { phase, path: record });
    const get = (r: FuzzRequest) => this.exchange(r, record === undefined ? undefined : { phase: "snapshot", path: "" }).then((o) => o.answer);
    const before = await snapshot(get, this.admin);
    const outcome = await this.exchange(request, record === undefined ? undefined : { phase, path: record });
    if (before === undefined || outcome.answer.status === 0 || (outcome.answer.status >= 200 && outcome.answer.status < 300)) return outcome;
    const after = await snapshot(get, this.admin);
    if (after === undefined) return outcome;
    if (record !== undefined) this.tally.compared++;
    const changed = difference(before, after);
    if (changed === undefined) return outcome;
    const what = [...new Set(changed.split(", ").map((c) => c.replace(/\/\S+/, "").replace(/ and \d+ more$/, "")))].join(", ");
    const violation: Violation = { kind: "state", signature: `a refused write (${outcome.answer.status}) changed the data: ${what}`, detail: changed };
    if (record !== undefined) this.tally.violated([violation], { phase, path: record, request, answer: outcome.answer });
    return { answer: outcome.answer, violations: [...outcome.violations, violation] };
  }

  /** Sends and checks one request; counts it when `record` says where it belongs. */
  private async exchange(request: FuzzRequest, record: { phase: Phase; path: string } | undefined): Promise<Outcome> {
    const answer = await this.sender.send(request);
    const violations = checkAnswer(request, answer);
    if (record !== undefined) {
      this.tally.answered(answer);
      this.tally.violated(violations, { ...record, request, answer });
    }
    return { answer, violations };
  }

  /** One phase: `runs` cases from the seed, `concurrency` in flight, none stopping the run. */
  private async phase(phase: FuzzPhase, runs: number, concurrency: number): Promise<void> {
    if (runs <= 0) return;
    let index = 0;
    const inflight = new Set<Promise<void>>();
    const progress = setInterval(() => this.options.onProgress?.(phase, index, runs, this.tally), PROGRESS_EVERY_MS);
    try {
      const property = fc.asyncProperty(this.arbitrary(phase), async (request) => {
        const path = String(index++);
        this.tally.cases[phase]++;
        const task = this.evaluate(phase, request, path).then(
          () => undefined,
          (error: unknown) => void (this.crash ??= error),
        );
        inflight.add(task);
        void task.finally(() => inflight.delete(task));
        if (inflight.size >= concurrency) await Promise.race(inflight);
        return true;
      });
      const details = await fc.check(property, { seed: this.options.seed, numRuns: runs });
      await Promise.all(inflight);
      if (this.crash !== undefined) throw this.crash;
      if (details.failed) throw details.errorInstance;
    } finally {
      clearInterval(progress);
      this.options.onProgress?.(phase, index, runs, this.tally);
    }
  }

  private async checkLiveness(): Promise<void> {
    for (const problem of await this.options.liveness()) {
      this.tally.violated([{ kind: "process", signature: problem, detail: problem }], { phase: "liveness", path: "", request: undefined, answer: undefined });
    }
  }

  /** Shrinks the first example of each replayable finding, gravest first, within the budgets. */
  private async shrinkFindings(): Promise<void> {
    const until = Date.now() + (this.options.shrinkTotalMs ?? 120_000);
    const replayable = this.tally.findings().filter((f) => f.first.phase === "main" || f.first.phase === "state");
    for (const finding of replayable.slice(0, this.options.maxShrinks ?? 24)) {
      const budgetMs = Math.min(this.options.shrinkMs ?? 20_000, until - Date.now());
      if (budgetMs <= 0) break;
      finding.minimal = await this.shrink(finding.first.phase as FuzzPhase, finding.first.path, finding.signature, budgetMs);
    }
  }

  /** Replays the case at `path` and lets fast-check shrink it while it still shows `signature`. */
  async shrink(phase: FuzzPhase, path: string, signature: string, budgetMs: number): Promise<Minimal> {
    const answers = new WeakMap<FuzzRequest, Answer>();
    const property = fc.asyncProperty(this.arbitrary(phase), async (request) => {
      const outcome = await this.evaluate(phase, request);
      answers.set(request, outcome.answer);
      return !outcome.violations.some((v) => v.signature === signature);
    });
    // numRuns 1: with a path, fast-check would otherwise go on to the next 99 cases when this one passes.
    const details = await fc.check(property, {
      seed: this.options.seed,
      path,
      numRuns: 1,
      plugins: [fc.interruptAfterTimeLimit(budgetMs)],
    });
    if (!details.failed || details.counterexample === null) return { reproduced: false };
    const [request] = details.counterexample as [FuzzRequest];
    const answer = answers.get(request) ?? (await this.evaluate(phase, request)).answer;
    return { reproduced: true, path: details.counterexamplePath ?? undefined, request, answer, shrinks: details.numShrinks, interrupted: details.interrupted };
  }

  /** The request at `path` (a case or a shrunk counterexample), sent once, with what it showed. */
  async replay(phase: FuzzPhase, path: string): Promise<{ request: FuzzRequest; outcome: Outcome } | undefined> {
    let seen: { request: FuzzRequest; outcome: Outcome } | undefined;
    // Failing on purpose after the first value: fast-check then stops there, without shrinking.
    const property = fc.asyncProperty(this.arbitrary(phase), async (request) => {
      seen ??= { request, outcome: await this.evaluate(phase, request) };
      return false;
    });
    try {
      await fc.check(property, { seed: this.options.seed, path, numRuns: 1, endOnFailure: true });
    } finally {
      await this.sender.close();
    }
    return seen;
  }
}
