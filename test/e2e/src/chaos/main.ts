#!/usr/bin/env node
/**
 * `npm run chaos`: starts a private PostgreSQL and NATS, runs each scenario against a fresh
 * system on them, prints the table (and JSON with `--json`), stops everything. Exits 1 when a
 * hard invariant broke (an acknowledged order lost or made twice, a failed retry, a process that
 * died unasked, a system not ready again), 2 on a usage error, 130 when interrupted; availability
 * aims count only with `--strict`.
 */
import { availableParallelism, loadavg } from "node:os";
import { type ChaosOptions, HELP, UsageError, parseOptions } from "./options.js";
import { type NotRun, buildReport, formatNotes, formatTable, round2 } from "./report.js";
import { CONNECTIONS, type ScenarioResult, runScenario, violated } from "./run.js";
import { DEFAULT_FAULTS } from "./scenarios.js";
import { missingServers, startNats, startPostgres } from "../servers.js";
import type { Servers } from "./topology.js";

const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);

/** The suite cannot run on this machine; the message says what to install. */
class MissingServersError extends Error {
  override readonly name = "MissingServersError";
}

interface Outcome {
  readonly results: ScenarioResult[];
  readonly notRun: NotRun[];
}

async function runAll(options: ChaosOptions, signal: AbortSignal): Promise<Outcome> {
  const missing = await missingServers();
  if (missing) throw new MissingServersError(`${missing}: the suite runs its own PostgreSQL and NATS`);
  const [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  const servers: Servers = { nats, postgres };
  log(`private PostgreSQL on ${postgres.port}, NATS on ${nats.port}; transport ${options.transport}, ${CONNECTIONS} connections, warm-up ${options.warmupMs / 1000} s, ${options.afterMs / 1000} s after each fault, seed ${options.seed}`);
  const outcome: Outcome = { results: [], notRun: [] };
  const settings = { transport: options.transport, warmupMs: options.warmupMs, afterMs: options.afterMs, seed: options.seed, connections: CONNECTIONS, faults: DEFAULT_FAULTS };
  try {
    for (const [index, name] of options.scenarios.entries()) {
      log(`${name}…`);
      try {
        const result = await runScenario(name, servers, index, settings, signal);
        const a = result.availability;
        log(`${name}: ${a.requests} requests, ${a.failed} failed, ${result.orders.acknowledged} orders acknowledged${violated(result) ? ", INVARIANT VIOLATED" : ""}`);
        outcome.results.push(result);
      } catch (error) {
        // One scenario that could not run (its system never became ready) must not cost the others.
        if (signal.aborted) throw error;
        log(`${name} did not run: ${(error as Error).message}`);
        outcome.notRun.push({ scenario: name, error: (error as Error).message });
      }
    }
  } finally {
    await Promise.allSettled([nats.close(), postgres.close()]);
  }
  return outcome;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options = parsed;
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    log("interrupted: stopping the programs and servers (again to quit at once)");
    abort.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const startedAt = new Date();
  const startLoad = round2(loadavg()[0] ?? 0);
  log(`load average ${startLoad} on ${availableParallelism()} cores at the start`);
  try {
    const { results, notRun } = await runAll(options, abort.signal);
    const report = buildReport(results, notRun, options, startedAt, startLoad, `npm run chaos -- ${process.argv.slice(2).join(" ")}`.trim());
    const text = `${formatTable(results)}\n\n${formatNotes(results, notRun)}\n`;
    if (options.json) {
      process.stderr.write(text);
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else process.stdout.write(text);
    log(`took ${report.elapsedSeconds} s; load average ${report.loadAverage.end} at the end`);
    if (report.violated) return 1;
    return options.strict && results.some((r) => r.unmet.length > 0) ? 1 : 0;
  } catch (error) {
    if (abort.signal.aborted) return 130;
    process.stderr.write(`chaos: ${error instanceof MissingServersError ? error.message : ((error as Error).stack ?? String(error))}\n`);
    return 1;
  }
}

// Exit explicitly: a connection left open must not keep the run from ending.
process.exit(await main());
