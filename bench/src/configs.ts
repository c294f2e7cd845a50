/**
 * The configurations the benchmark compares: which processes each one starts, with which
 * environment, and what it needs on this machine (PostgreSQL, NATS).
 *
 * Every program gets the production defaults except COMMON_ENV. Only the environment differs
 * between configurations: the same compiled programs run in each. `<config>@<tree>` runs the
 * programs of another built checkout (`--tree <tree>=DIR`) in the same configuration, so a change
 * is measured against the code before it side by side, in one run, interleaved.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { programEntries, serviceNames } from "../../scripts/programs.mjs";
import { deleteBucket } from "./nats.js";

export type Need = "postgres" | "nats";
/** A service under services/ of the checkout measured. */
export type Service = string;

/** The services of the checkout at `root`, from its folders (scripts/programs.mjs), in name order. */
export function servicesOf(root: string): readonly Service[] {
  return serviceNames(root);
}

/**
 * Transports measured by default, one `distributed-<transport>` configuration each. Add a name
 * here when the programs accept a new MICRO_TRANSPORT; `--configs distributed-<name>` already
 * works for any name before that.
 */
export const DISTRIBUTED_TRANSPORTS: readonly string[] = ["tcp", "http", "nats"];

export const DEFAULT_CONFIGS: readonly string[] = ["direct", "embedded", ...DISTRIBUTED_TRANSPORTS.map((t) => `distributed-${t}`)];

/**
 * What every program runs with. AUTH and RATE_LIMIT are off because one load generator from one
 * address would otherwise be 401'd or 429'd; LOG_LEVEL=warn keeps a line per request off the CPU.
 */
export const COMMON_ENV: Readonly<Record<string, string>> = { LOG_LEVEL: "warn", AUTH: "off", RATE_LIMIT: "off" };

/** The configuration the ratios are taken against. */
export const BASELINE = "direct";

export interface ProgramSpec {
  readonly label: string;
  /** The script node runs. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
}

/** One start of a configuration, for one repeat. */
export interface Launch {
  readonly programs: readonly ProgramSpec[];
  /** Where the load goes. */
  readonly url: string;
  /** Answers 200 once the configuration can serve. */
  readonly readyPath: string;
  /** The data lives inside the programs (PGlite), so benchmark users are created through the API. */
  readonly seedThroughApi: boolean;
  /** Removes what this start left outside its processes. */
  cleanup(): Promise<void>;
}

export interface LaunchContext {
  readonly root: string;
  /** A private folder of this run, removed at its end. */
  readonly runDir: string;
  readonly runId: string;
  readonly repeat: number;
  readonly port: number;
  readonly natsUrl: string;
  /** The run's PostgreSQL databases by service; undefined when no configuration needs them. */
  readonly databases: Readonly<Record<Service, string>> | undefined;
  /** With --production: what the system's programs run with instead of COMMON_ENV. */
  readonly production: Readonly<Record<string, string>> | undefined;
}

export interface ConfigDef {
  readonly name: string;
  readonly needs: readonly Need[];
  readonly description: string;
  launch(context: LaunchContext): Launch;
}

const DISTRIBUTED = /^distributed-([a-z][a-z0-9]*)$/;
const IN_TREE = /^(.+)@([a-z][a-z0-9-]*)$/;

export function isConfigName(name: string): boolean {
  const [base] = splitTree(name);
  return base === "embedded" || DISTRIBUTED.test(base) || name === "direct";
}

/** The tree a configuration name asks for (`distributed-tcp@before` → "before"), if any. */
export function treeOf(name: string): string | undefined {
  return splitTree(name)[1];
}

/** `trees`: other built checkouts by name, for `<config>@<tree>`. */
export function configByName(name: string, trees: Readonly<Record<string, string>> = {}): ConfigDef {
  const [base, tree] = splitTree(name);
  if (tree !== undefined) {
    const root = trees[tree];
    if (root === undefined) throw new Error(`configuration ${name} names tree ${tree}, but no --tree ${tree}=DIR was given`);
    const def = configByName(base);
    return { ...def, name, description: `${def.description}; the programs of ${root}`, launch: (c) => def.launch({ ...c, root }) };
  }
  if (base === "direct") return direct;
  if (base === "embedded") return embedded;
  const transport = DISTRIBUTED.exec(base)?.[1];
  if (transport === undefined) throw new Error(`unknown configuration ${name}`);
  return distributed(transport);
}

function splitTree(name: string): [string, string | undefined] {
  const match = IN_TREE.exec(name);
  return match === null ? [name, undefined] : [match[1] ?? name, match[2]];
}

const direct: ConfigDef = {
  name: "direct",
  needs: ["postgres"],
  description: "bare node:http server, same SQL through openPostgres, no gateway, no RPC",
  launch: (c) => ({
    programs: [
      {
        label: "direct",
        entry: fileURLToPath(new URL("./direct.js", import.meta.url)),
        env: { ...directEnv(c), BENCH_USERS_URL: db(c, "users"), BENCH_PRODUCTS_URL: db(c, "products"), BENCH_ORDERS_URL: db(c, "orders") },
      },
    ],
    url: `http://127.0.0.1:${c.port}`,
    readyPath: "/health",
    seedThroughApi: false,
    cleanup: async () => undefined,
  }),
};

const embedded: ConfigDef = {
  name: "embedded",
  needs: [],
  description: "npm start: four processes, PGlite, local registry, HTTP transport",
  launch: (c) => {
    // One data folder for all repeats: the first start pays initdb, later ones reopen, as npm start does.
    const env = { ...baseEnv(c), DATA_DIR: join(c.runDir, "embedded-data"), MICRO_REGISTRY: "local", MICRO_REGISTRY_ADDRESS: join(c.runDir, "registry") };
    return {
      programs: Object.keys(programEntries(c.root)).map((p) => program(c, p, env)),
      url: `http://127.0.0.1:${c.port}`,
      readyPath: "/ready",
      seedThroughApi: true,
      cleanup: async () => undefined,
    };
  },
};

function distributed(transport: string): ConfigDef {
  return {
    name: `distributed-${transport}`,
    needs: ["postgres", "nats"],
    description: `one process per service, PostgreSQL pools, NATS registry, MICRO_TRANSPORT=${transport}`,
    launch: (c) => {
      // A bucket per start: nodes of a previous start (or of someone else's cluster) are never seen.
      const bucket = `bench_${c.runId}_${transport}_${c.repeat}`;
      const env = { ...baseEnv(c), MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: c.natsUrl, MICRO_REGISTRY_BUCKET: bucket, MICRO_TRANSPORT: transport };
      return {
        programs: [
          ...servicesOf(c.root).map((s) => program(c, s, { ...env, DATABASE_URL: db(c, s) })),
          program(c, "gateway", env),
        ],
        url: `http://127.0.0.1:${c.port}`,
        readyPath: "/ready",
        seedThroughApi: false,
        cleanup: () => deleteBucket(c.natsUrl, bucket),
      };
    },
  };
}

/** Only PATH from the caller: a DATABASE_URL or MICRO_* in the shell must not change what is measured. */
function baseEnv(c: LaunchContext): Record<string, string> {
  // GATEWAY_EXPECT: /ready waits for every service's routes; a checkout older than the catalog ignores it.
  return { PATH: process.env.PATH ?? "", ...(c.production ?? COMMON_ENV), PORT: String(c.port), GATEWAY_EXPECT: servicesOf(c.root).join(",") };
}

/** The baseline has none of the system's features to turn on: the same environment either way. */
function directEnv(c: LaunchContext): Record<string, string> {
  return { PATH: process.env.PATH ?? "", ...COMMON_ENV, PORT: String(c.port) };
}

function program(c: LaunchContext, name: string, env: Record<string, string>): ProgramSpec {
  const entry = programEntries(c.root)[name];
  if (entry === undefined) throw new Error(`${c.root} has no program ${name}`);
  return { label: name, entry: join(c.root, entry), env };
}

function db(c: LaunchContext, service: Service): string {
  const url = c.databases?.[service];
  if (url === undefined) throw new Error(`no PostgreSQL database was prepared for ${service} in this run`);
  return url;
}
