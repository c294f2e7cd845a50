/**
 * `npm run bench -- [flags]`: the flags, validated once into one typed options object, so a typo
 * stops the run before minutes of setup rather than after them.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { DEFAULT_CONFIGS, isConfigName, treeOf } from "./configs.js";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios.js";

export interface BenchOptions {
  /** Configuration names, measured in this order within each repeat. */
  readonly configs: readonly string[];
  readonly scenarios: readonly ScenarioName[];
  /** Connections autocannon keeps busy, one measurement per value. */
  readonly concurrency: readonly number[];
  readonly durationSeconds: number;
  /** Load per scenario after each start, discarded: JIT, pools and caches warm up. */
  readonly warmupSeconds: number;
  readonly repeat: number;
  /** Users created at setup besides the three demo users, so GET ids vary. */
  readonly users: number;
  readonly smoke: boolean;
  /** Where `<timestamp>.json`, `<timestamp>.svg` and `latest.*` go. */
  readonly outDir: string;
  /** An administrative PostgreSQL URL; per-run databases are created next to it. */
  readonly postgresUrl: string;
  readonly natsUrl: string;
  /** Every production feature on (production.ts) instead of COMMON_ENV; direct is unchanged. */
  readonly production: boolean;
  /** Auth alone on (a bearer token on every request, call credentials between programs). */
  readonly auth: boolean;
  /** When set, every program runs with `--cpu-prof` and writes its profile under this folder. */
  readonly cpuProfDir: string | undefined;
  /** Other built checkouts by name, for configurations `<config>@<name>`. */
  readonly trees: Readonly<Record<string, string>>;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const HELP = `usage: npm run bench -- [flags]
  --configs LIST      ${DEFAULT_CONFIGS.join(",")} (default: all; distributed-<transport> for another transport)
  --scenarios LIST    ${SCENARIO_NAMES.join(",")} (default: both)
  --concurrency LIST  connections, e.g. 1,16,64,256 (default)
  --duration S        seconds per measurement (default 5)
  --warmup S          seconds of discarded load per scenario after each start (default 2)
  --repeat N          cycles over all configurations; medians are reported (default 3)
  --users N           users created at setup besides the 3 demo users (default 100)
  --smoke             direct and embedded, concurrency 1,16, 1 s each, 1 repeat
  --out DIR           results folder (default bench/results)
  --postgres URL      administrative PostgreSQL URL (default $BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --nats URL          NATS with JetStream (default $NATS_URL or nats://127.0.0.1:4222)
  --production        auth (a bearer token on every request), rate limiting, LOG_LEVEL=info and spans
                      exported over OTLP to a sink here: what production features cost (direct unchanged)
  --auth              auth alone: a bearer token on every request and call credentials between programs
  --cpu-prof DIR      run every program with node --cpu-prof; profiles go to DIR/<config>-<repeat>/
                      (summarise one with: node scripts/profile-top.mjs FILE)
  --tree NAME=DIR     another built checkout (say, of the commit before a change); configurations
                      <config>@NAME run its programs, side by side with this tree's (repeatable)`;

const SMOKE = { configs: ["direct", "embedded"], concurrency: [1, 16], durationSeconds: 1, warmupSeconds: 0.5, repeat: 1 };

/** Parses `argv` (without node and the script); throws UsageError naming the bad flag. */
export function parseOptions(argv: readonly string[], root: string, env: NodeJS.ProcessEnv = process.env): BenchOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      configs: { type: "string" },
      scenarios: { type: "string" },
      concurrency: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      repeat: { type: "string" },
      users: { type: "string" },
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
      postgres: { type: "string" },
      nats: { type: "string" },
      "cpu-prof": { type: "string" },
      production: { type: "boolean", default: false },
      auth: { type: "boolean", default: false },
      tree: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const smoke = values.smoke === true;
  const configs = values.configs === undefined ? (smoke ? SMOKE.configs : DEFAULT_CONFIGS) : list("--configs", values.configs);
  for (const name of configs) {
    if (!isConfigName(name)) throw new UsageError(`--configs: unknown configuration "${name}"; expected ${DEFAULT_CONFIGS.join(", ")} or distributed-<transport>`);
  }
  if (values.auth === true && values.production === true) throw new UsageError("--auth: --production already turns auth on; give one of the two");
  const trees = parseTrees(values.tree ?? []);
  for (const name of configs) {
    const tree = treeOf(name);
    if (tree !== undefined && trees[tree] === undefined) throw new UsageError(`--configs: ${name} needs --tree ${tree}=DIR`);
    if (tree !== undefined && name.startsWith("direct@")) throw new UsageError(`--configs: ${name}: direct is the same in every tree`);
  }
  const scenarios = values.scenarios === undefined ? SCENARIO_NAMES : list("--scenarios", values.scenarios);
  for (const name of scenarios) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new UsageError(`--scenarios: unknown scenario "${name}"; expected ${SCENARIO_NAMES.join(", ")}`);
  }
  return {
    configs: [...new Set(configs)],
    scenarios: [...new Set(scenarios)] as ScenarioName[],
    concurrency: values.concurrency === undefined ? (smoke ? SMOKE.concurrency : [1, 16, 64, 256]) : list("--concurrency", values.concurrency).map((v) => integer("--concurrency", v, 1, 10_000)),
    durationSeconds: seconds("--duration", values.duration, smoke ? SMOKE.durationSeconds : 5),
    warmupSeconds: seconds("--warmup", values.warmup, smoke ? SMOKE.warmupSeconds : 2, 0),
    repeat: values.repeat === undefined ? (smoke ? SMOKE.repeat : 3) : integer("--repeat", values.repeat, 1, 100),
    users: values.users === undefined ? 100 : integer("--users", values.users, 0, 100_000),
    smoke,
    outDir: values.out ?? join(root, "bench", "results"),
    postgresUrl: url("--postgres", values.postgres ?? env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", ["postgres:", "postgresql:"]),
    natsUrl: url("--nats", values.nats ?? env.NATS_URL ?? "nats://127.0.0.1:4222", ["nats:"]),
    production: values.production === true,
    auth: values.auth === true,
    cpuProfDir: values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]),
    trees,
  };
}

/** `NAME=DIR` pairs; each DIR must hold built programs. */
function parseTrees(raw: readonly string[]): Record<string, string> {
  const trees: Record<string, string> = {};
  for (const pair of raw) {
    const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(pair);
    if (match === null) throw new UsageError(`--tree: expected NAME=DIR with a lower-case name, got "${pair}"`);
    const [, name = "", dir = ""] = match;
    const root = resolve(dir);
    if (!existsSync(join(root, "gateway", "dist", "main.js"))) throw new UsageError(`--tree ${name}: ${root} holds no built programs (gateway/dist/main.js); build it first`);
    trees[name] = root;
  }
  return trees;
}

function list(flag: string, raw: string): string[] {
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list, got "${raw}"`);
  return items;
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag}: expected an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

function seconds(flag: string, raw: string | undefined, fallback: number, min = 0.1): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > 3600) throw new UsageError(`${flag}: expected seconds from ${min} to 3600, got "${raw}"`);
  return value;
}

function url(flag: string, raw: string, protocols: readonly string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: expected a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new UsageError(`${flag}: expected a ${protocols.join(" or ")}// URL, got "${parsed.protocol}//…"`);
  return raw;
}
