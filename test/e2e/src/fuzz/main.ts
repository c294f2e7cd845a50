/**
 * `npm run fuzz`: the fuzz suite at full size. Starts the four programs itself (once with auth
 * off, once with auth on) or aims at a running system (`--url`, or FUZZ_URL), runs the cases,
 * prints progress and a summary, and exits 1 when any property was violated. `--replay` sends
 * one case again, by the seed and path a report printed.
 */
import { randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeRequest, escape } from "./request.js";
import { type FuzzPhase, Fuzzer, type RunOptions } from "./runner.js";
import { type Labelled, report } from "./summary.js";
import type { Phase, Tally } from "./tally.js";
import { type Target, startTarget, urlTarget } from "./target.js";

const USAGE = `usage: npm run fuzz -- [--runs N] [--seed S] [--url URL] [--auth off|on|both] [--concurrency C] [--replay PHASE:PATH]
  --runs         cases in all (default 100000), shared by the auth modes
  --seed         the seed to generate from (default: random, printed)
  --url          a running gateway (or FUZZ_URL); default: start the four programs here
  --auth         off, on or both (default both; with --url: on when AUTH_JWT_SECRET is set, else off)
  --concurrency  requests in flight at once (default 8)
  --state-share  share of the cases that are writes checked against snapshots (default 0.02)
  --replay       send one case again, as a report names it (main:123 or main:123:0:4)`;

const DEFAULT_RUNS = 100_000;
const DEFAULT_STATE_SHARE = 0.02;

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(`--${name} ${JSON.stringify(text)}: expected a positive integer`);
  return Number(text);
}

function readArgs() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      seed: { type: "string" },
      url: { type: "string" },
      auth: { type: "string" },
      concurrency: { type: "string" },
      "state-share": { type: "string" },
      replay: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const url = values.url ?? process.env.FUZZ_URL;
  const auth = values.auth ?? (url === undefined ? "both" : process.env.AUTH_JWT_SECRET ? "on" : "off");
  if (!["off", "on", "both"].includes(auth)) fail(`--auth ${JSON.stringify(auth)}: expected off, on or both`);
  if (url !== undefined && auth === "both") fail("--auth both needs the programs started here; a running system has one mode");
  if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) fail(`--seed ${JSON.stringify(values.seed)}: expected an integer`);
  const share = values["state-share"] === undefined ? DEFAULT_STATE_SHARE : Number(values["state-share"]);
  if (!(share >= 0 && share <= 1)) fail(`--state-share ${JSON.stringify(values["state-share"])}: expected a number from 0 to 1`);
  const replay = values.replay === undefined ? undefined : /^(main|state):(\d+(?::\d+)*)$/.exec(values.replay);
  if (replay === null) fail(`--replay ${JSON.stringify(values.replay)}: expected main:PATH or state:PATH`);
  if (replay !== undefined && auth === "both") fail("--replay needs the mode the case ran in: --auth off or --auth on");
  return {
    url,
    modes: auth === "both" ? [false, true] : [auth === "on"],
    runs: positiveInt("runs", values.runs, DEFAULT_RUNS),
    seed: values.seed === undefined ? randomInt(2 ** 31 - 1) : Number(values.seed) | 0,
    concurrency: positiveInt("concurrency", values.concurrency, 8),
    share,
    replay: replay === undefined ? undefined : { phase: replay[1] as FuzzPhase, path: replay[2]! },
  };
}

function progress(label: string) {
  return (phase: Phase, done: number, total: number, tally: Tally) => {
    const violations = tally.findings().reduce((sum, f) => sum + f.count, 0);
    process.stdout.write(`fuzz [${label}] ${phase} ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} cases, ${tally.requests.toLocaleString("en-US")} requests, ${violations.toLocaleString("en-US")} violations\n`);
  };
}

async function open(url: string | undefined, auth: boolean, dataDir: string | undefined): Promise<Target> {
  if (url !== undefined) return urlTarget(url, { enabled: auth, secret: process.env.AUTH_JWT_SECRET });
  process.stdout.write(`fuzz: starting the four programs with auth ${auth ? "on" : "off"}…\n`);
  return startTarget(auth, dataDir);
}

/** The system started last, stopped on SIGINT or SIGTERM so no program outlives the run. */
let current: Target | undefined;

function stopOn(signal: NodeJS.Signals): void {
  process.once(signal, () => {
    process.stderr.write(`fuzz: ${signal}, stopping the programs…\n`);
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(128 + (signal === "SIGINT" ? 2 : 15)));
  });
}

async function main(): Promise<number> {
  stopOn("SIGINT");
  stopOn("SIGTERM");
  const args = readArgs();
  process.stdout.write(`fuzz: seed ${args.seed} (--seed ${args.seed} generates the same cases)\n`);
  const perMode = Math.floor(args.runs / args.modes.length);
  const results: Labelled[] = [];
  // One data folder for both modes: the second start is a restart, not three initdbs.
  const dataDir = args.url === undefined ? await mkdtemp(join(tmpdir(), "gw-fuzz-")) : undefined;
  try {
    for (const auth of args.modes) {
      const result = await runMode(args, auth, perMode, dataDir);
      if (typeof result === "number") return result;
      results.push(result);
    }
  } finally {
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${report(results)}\n`);
  return results.some((r) => r.result.findings.length > 0) ? 1 : 0;
}

type Args = ReturnType<typeof readArgs>;

/** One mode's run, or the exit status of a replay. */
async function runMode(args: Args, auth: boolean, perMode: number, dataDir: string | undefined): Promise<Labelled | number> {
  const target = await open(args.url, auth, dataDir);
  current = target;
  try {
    const stateRuns = Math.round(perMode * args.share);
    const options: RunOptions = {
      url: target.url,
      profile: target.profile,
      seed: args.seed,
      runs: perMode - stateRuns,
      stateRuns,
      concurrency: args.concurrency,
      liveness: () => target.liveness(),
      onProgress: progress(target.label),
    };
    if (args.replay !== undefined) return await replay(new Fuzzer(options), args.replay.phase, args.replay.path);
    return { label: target.label, result: await new Fuzzer(options).run() };
  } finally {
    await target.close();
    current = undefined;
  }
}

async function replay(fuzzer: Fuzzer, phase: FuzzPhase, path: string): Promise<number> {
  const seen = await fuzzer.replay(phase, path);
  if (seen === undefined) fail(`no case at ${phase}:${path} for this seed`);
  const { request, outcome } = seen;
  process.stdout.write(`${describeRequest(request)}\n\nanswered ${outcome.answer.status || "nothing"}\n`);
  for (const [name, value] of Object.entries(outcome.answer.headers)) process.stdout.write(`  ${name}: ${String(value)}\n`);
  process.stdout.write(`  ${escape(outcome.answer.text || outcome.answer.failure || "", 2_000)}\n\n`);
  for (const v of outcome.violations) process.stdout.write(`violation: ${v.kind}: ${v.signature}\n`);
  if (outcome.violations.length === 0) process.stdout.write("no violation\n");
  return outcome.violations.length > 0 ? 1 : 0;
}

process.exitCode = await main();
