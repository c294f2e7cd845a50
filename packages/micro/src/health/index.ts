/**
 * Readiness: named checks (the database answers, the registry is reachable) run together, each
 * bounded in time, so `/ready` and the registration loop ask one question: can this program
 * serve right now, and if not, what is missing?
 */

/** A check that takes longer than this counts as failed: readiness must answer promptly. */
export const CHECK_TIMEOUT_MS = 2000;

export interface ReadinessReport {
  readonly ready: boolean;
  /** `name: reason` for each failing check. */
  readonly failing: readonly string[];
}

export class Readiness {
  private readonly checks = new Map<string, () => Promise<void>>();

  /** Adds (or replaces) a check; it resolves when `name` is usable and rejects otherwise. */
  add(name: string, check: () => Promise<void>): void {
    this.checks.set(name, check);
  }

  async evaluate(timeoutMs = CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const results = await Promise.all([...this.checks].map(([name, check]) => runCheck(name, check, timeoutMs)));
    const failing = results.filter((r): r is string => r !== undefined);
    return { ready: failing.length === 0, failing };
  }
}

async function runCheck(name: string, check: () => Promise<void>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`${name}: no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => undefined), timedOut]);
  } catch (error) {
    // The reason names the failure's kind, never a connection string.
    const code = (error as { code?: unknown }).code;
    return `${name}: ${typeof code === "string" ? code : error instanceof Error ? error.name : "failed"}`;
  } finally {
    clearTimeout(timer);
  }
}
