/**
 * `npm run chaos -- [flags]`: the flags, validated once into one typed object, so a typo stops
 * the run before minutes of setup rather than after them.
 */
import { parseArgs } from "node:util";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios.js";
import type { Transport } from "./topology.js";

export interface ChaosOptions {
  /** In the order they run; each at most once. */
  readonly scenarios: readonly ScenarioName[];
  readonly transport: Transport;
  readonly warmupMs: number;
  /** Load kept after each fault ended. */
  readonly afterMs: number;
  readonly seed: number;
  readonly json: boolean;
  /** Unmet availability aims fail the run too (by default they are reported only). */
  readonly strict: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const DEFAULT_WARMUP_SECONDS = 5;
export const DEFAULT_AFTER_SECONDS = 5;
export const DEFAULT_SEED = 1;

export const HELP = `usage: npm run chaos -- [flags]
  --scenario NAME   run this scenario (repeatable; default: all, in this order):
                    ${SCENARIO_NAMES.join(", ")}
  --transport T     tcp (default) or nats: how the programs call each other
  --duration S      seconds of load kept after each fault ended (default ${DEFAULT_AFTER_SECONDS}); longer while the
                    system has not recovered, up to 30 s after the fault
  --warmup S        seconds of load before each fault (default ${DEFAULT_WARMUP_SECONDS})
  --seed N          seed of the request mix (default ${DEFAULT_SEED})
  --json            the results as JSON on stdout (the table goes to stderr)
  --strict          unmet availability aims fail the run too (default: reported only)`;

/** Parses `argv` (without node and the script); throws UsageError naming the bad flag. */
export function parseOptions(argv: readonly string[]): ChaosOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: "string", multiple: true },
        transport: { type: "string", default: "tcp" },
        duration: { type: "string" },
        warmup: { type: "string" },
        seed: { type: "string" },
        json: { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const scenarios = values.scenario ?? [...SCENARIO_NAMES];
  for (const name of scenarios) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new UsageError(`--scenario: unknown scenario "${name}"; expected one of ${SCENARIO_NAMES.join(", ")}`);
  }
  if (values.transport !== "tcp" && values.transport !== "nats") throw new UsageError(`--transport: expected tcp or nats, got "${values.transport}"`);
  return {
    scenarios: [...new Set(scenarios)] as ScenarioName[],
    transport: values.transport,
    warmupMs: seconds("--warmup", values.warmup, DEFAULT_WARMUP_SECONDS) * 1000,
    afterMs: seconds("--duration", values.duration, DEFAULT_AFTER_SECONDS) * 1000,
    seed: values.seed === undefined ? DEFAULT_SEED : integer("--seed", values.seed),
    json: values.json === true,
    strict: values.strict === true,
  };
}

function seconds(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0.5 || value > 600) throw new UsageError(`${flag}: expected seconds from 0.5 to 600, got "${raw}"`);
  return value;
}

function integer(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < 0 || value > 2 ** 32 - 1) throw new UsageError(`${flag}: expected an integer from 0 to ${2 ** 32 - 1}, got "${raw}"`);
  return value;
}
