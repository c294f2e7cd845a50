#!/usr/bin/env node
/**
 * `npm run bench`: parses the flags, says how long it will take, runs the configurations
 * (runner.ts), prints the tables and writes the JSON and SVG under the results folder.
 * Progress goes to stderr, the report to stdout. Ctrl-C stops after the current measurement and
 * still stops every program and drops the run's databases; a second Ctrl-C quits at once.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchOptions, HELP, UsageError, parseOptions } from "./cli.js";
import { BASELINE, COMMON_ENV } from "./configs.js";
import { PrerequisiteError } from "./prerequisites.js";
import { buildReport, formatReport, writeResults } from "./report.js";
import { StartError, runBench } from "./runner.js";

/** bench/dist/main.js → the repository root. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Rough seconds to start each configuration to ready, and to stop it; only for the estimate. */
const START_SECONDS: Record<string, number> = { direct: 1, embedded: 4, distributed: 3 };
const STOP_SECONDS = 1;
/** autocannon's own start and drain around each measurement. */
const PER_MEASUREMENT_SECONDS = 0.3;
/** Creating and preparing the run's databases, and the embedded first start (three initdbs). */
const SETUP_SECONDS = { postgres: 2, embeddedFirstStart: 8 };

function estimateSeconds(options: BenchOptions): number {
  const measurements = options.scenarios.length * options.concurrency.length;
  const perConfig = (name: string) =>
    (START_SECONDS[name] ?? START_SECONDS.distributed ?? 3) + STOP_SECONDS + options.warmupSeconds * options.scenarios.length + measurements * (options.durationSeconds + PER_MEASUREMENT_SECONDS);
  const cycle = options.configs.reduce((total, name) => total + perConfig(name), 0);
  const setup = (options.configs.some((c) => c !== "embedded") ? SETUP_SECONDS.postgres : 0) + (options.configs.includes("embedded") ? SETUP_SECONDS.embeddedFirstStart : 0);
  return setup + cycle * options.repeat;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(process.argv.slice(2), ROOT);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options = parsed;
  const startedAt = new Date();
  const estimate = estimateSeconds(options);
  process.stdout.write(
    [
      `bench: ${options.configs.join(", ")} × ${options.scenarios.join(", ")} × concurrency ${options.concurrency.join(",")}; ${options.durationSeconds} s each, ${options.repeat} repeat(s), warm-up ${options.warmupSeconds} s per scenario`,
      options.production
        ? `--production: every program but ${BASELINE} runs with auth, rate limiting, LOG_LEVEL=info, metrics and spans exported over OTLP; ratios are to ${BASELINE} from this run`
        : options.auth
        ? `--auth: every program but ${BASELINE} runs with AUTH=on and a bearer token on every request, the rest as without flags; ratios are to ${BASELINE} from this run`
        : `every program runs with ${Object.entries(COMMON_ENV).map(([k, v]) => `${k}=${v}`).join(" ")} (other production features at their defaults); ratios are to ${BASELINE} from this run`,
      `estimated time: about ${formatDuration(estimate)}`,
      "",
    ].join("\n"),
  );
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write("bench: stopping after the current measurement (Ctrl-C again to quit at once)\n");
    abort.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const raw = await runBench({ root: ROOT, options, log: (line) => process.stderr.write(`${line}\n`), signal: abort.signal });
    const report = buildReport(raw, options, startedAt, `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim());
    process.stdout.write(`${formatReport(report)}\n\n`);
    const files = await writeResults(report, options.outDir);
    process.stdout.write(`wrote ${files.map(shown).join(", ")}\n`);
    process.stdout.write(`took ${formatDuration(report.elapsedSeconds)} (estimated ${formatDuration(estimate)})\n`);
    return 0;
  } catch (error) {
    if (abort.signal.aborted) {
      process.stderr.write("bench: interrupted; programs stopped, databases dropped\n");
      return 130;
    }
    // Expected failures say what to do in their message; anything else is a bug worth its stack.
    const expected = error instanceof PrerequisiteError || error instanceof StartError;
    const message = expected ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench: ${message}\n`);
    return 1;
  }
}

/** A path relative to where the command was run when it is below it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

// Exit explicitly: a program that failed to stop must not keep the benchmark from ending.
process.exit(await main());
