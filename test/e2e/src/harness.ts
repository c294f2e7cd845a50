/**
 * Starts every program (scripts/programs.mjs) as real processes, as `npm start` does, on a private data
 * folder, registry folder and gateway port, so end-to-end tests drive them over real sockets
 * and can stop, kill and restart any one of them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@gw/micro/testing";
import { gatewayExpect, programEntries, serviceNames } from "../../../scripts/programs.mjs";
import { type Reply, send } from "./http.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Every program's entry by name, from the folders (scripts/programs.mjs): services, then the gateway. */
export const PROGRAMS: Readonly<Record<string, string>> = programEntries(ROOT);

/** The services the folders hold, in name order. */
export const SERVICES: readonly string[] = serviceNames(ROOT);

/** A program's name: a service under services/, or `gateway`. */
export type Program = string;
const ALL: readonly Program[] = Object.keys(PROGRAMS);

/** `services/<name>/dist/main.js` (or the gateway's); throws on a name the folders do not hold. */
export function entryOf(program: Program): string {
  const entry = PROGRAMS[program];
  if (entry === undefined) throw new Error(`unknown program ${program}; the folders hold ${ALL.join(", ")}`);
  return entry;
}

/** One running process: `users` is the first users instance, `users#2` the second. */
export type Instance = Program | `${Program}#${number}`;

export function programOf(instance: Instance): Program {
  return instance.split("#")[0] as Program;
}

function instancesOf(counts: SystemOptions["instances"]): Instance[] {
  return ALL.flatMap((name) => Array.from({ length: counts?.[name] ?? 1 }, (_, i): Instance => (i === 0 ? name : `${name}#${i + 1}`)));
}

export interface SystemOptions {
  /** Extra environment for every program. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment for one program, e.g. each service's own DATABASE_URL. */
  readonly programEnv?: Readonly<Partial<Record<Program, Readonly<Record<string, string>>>>>;
  /** Processes per program. @default 1 each */
  readonly instances?: Readonly<Partial<Record<Program, number>>>;
  /** Extra environment for one instance, e.g. a fixed admin address to find its registration by. */
  readonly instanceEnv?: Readonly<Partial<Record<Instance, Readonly<Record<string, string>>>>>;
}

/** A process that ended, whether a test ended it or not: fault tests tell the victims from the rest. */
export interface Exit {
  readonly instance: Instance;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Epoch milliseconds. */
  readonly at: number;
}

export class System {
  readonly url: string;
  private readonly children = new Map<Instance, ChildProcess>();
  private readonly logs = new Map<Instance, string[]>();
  private readonly paused = new Set<Instance>();
  private readonly ended: Exit[] = [];
  private all: Instance[] = [...ALL];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly programEnv: SystemOptions["programEnv"] = {},
    private readonly instanceEnv: SystemOptions["instanceEnv"] = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(options: SystemOptions = {}): Promise<System> {
    const dir = await mkdtemp(join(tmpdir(), "gw-e2e-"));
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      DATA_DIR: join(dir, "data"),
      MICRO_REGISTRY: "local",
      MICRO_REGISTRY_ADDRESS: join(dir, "registry"),
      PORT: String(port),
      LOG_LEVEL: "warn",
      // The contract suites test the API, not auth or limits: those have their own tests.
      AUTH: "off",
      RATE_LIMIT_MAX: "1000000",
      // Read by the gateway only: its /ready waits for a node of each of these.
      GATEWAY_EXPECT: gatewayExpect(ROOT),
      ...options.env,
    };
    const system = new System(dir, port, env, options.programEnv, options.instanceEnv);
    system.all = instancesOf(options.instances);
    try {
      for (const name of system.all) system.launch(name);
      await system.waitReady();
    } catch (error) {
      // A system that never came up must not leave its programs running after the test. Its
      // cleanup can fail too (a program still writing its data folder), but the reason it never
      // came up is the one to report.
      await system.close().catch(() => undefined);
      throw error;
    }
    return system;
  }

  /** Starts `name` again after it was stopped. */
  launch(name: Instance): ChildProcess {
    if (this.children.has(name)) throw new Error(`${name} is already running`);
    const program = programOf(name);
    const env = { ...this.env, ...this.programEnv?.[program], ...this.instanceEnv?.[name] };
    const child = spawn(process.execPath, [join(ROOT, entryOf(program))], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const lines = this.logs.get(name) ?? [];
    this.logs.set(name, lines);
    const keep = (chunk: Buffer) => lines.push(chunk.toString());
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", (code, signal) => {
      this.children.delete(name);
      this.paused.delete(name);
      this.ended.push({ instance: name, code, signal, at: Date.now() });
    });
    this.children.set(name, child);
    return child;
  }

  /**
   * Sends `signal` without waiting for anything: SIGSTOP freezes the process as a hung host or a
   * long GC pause would (its sockets stay open, nothing answers), SIGCONT resumes it.
   */
  signal(name: Instance, signal: NodeJS.Signals): void {
    const child = this.children.get(name);
    if (!child) throw new Error(`${name} is not running`);
    child.kill(signal);
    if (signal === "SIGSTOP") this.paused.add(name);
    if (signal === "SIGCONT") this.paused.delete(name);
  }

  /** Every process that ended since the system started, in order. */
  get exits(): readonly Exit[] {
    return [...this.ended];
  }

  /** Sends `signal` and resolves with the exit code once the process is gone. */
  async stop(name: Instance, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.children.get(name);
    if (!child) return null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  /** The running instances. */
  get instances(): Instance[] {
    return [...this.children.keys()];
  }

  running(name: Instance): boolean {
    return this.children.has(name);
  }

  output(name: Instance): string {
    return (this.logs.get(name) ?? []).join("");
  }

  /** Resolves when `/ready` answers 200; rejects with the programs' output after `timeoutMs`. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const ready = async () => {
      const response = await fetch(`${this.url}/ready`); // rejects while nothing listens yet
      await response.arrayBuffer();
      return response.status === 200;
    };
    await waitFor(ready, { timeoutMs, intervalMs: 100 }).catch(() => {
      const dump = this.all.map((n) => `--- ${n}\n${this.output(n)}`).join("\n");
      throw new Error(`system not ready after ${timeoutMs} ms\n${dump}`);
    });
  }

  /** Polls `GET path` until it answers `status` or `timeoutMs` passes; returns the last reply. */
  async until(path: string, status: number, timeoutMs = 30_000): Promise<Reply> {
    let reply = await send(this.url, "GET", path);
    if (reply.status === status) return reply;
    // A request that fails outright ends the poll with its error, as a reply that never comes right
    // ends it with the last reply.
    let failure: { error: unknown } | undefined;
    const next = () =>
      send(this.url, "GET", path).then(
        (r) => (reply = r).status === status,
        (error: unknown) => Boolean((failure = { error })),
      );
    await waitFor(next, { timeoutMs, intervalMs: 100 }).catch(() => undefined);
    if (failure) throw failure.error;
    return reply;
  }

  async close(): Promise<void> {
    // A frozen process would never act on SIGTERM.
    for (const name of this.paused) this.signal(name, "SIGCONT");
    await Promise.all(this.all.map((name) => this.stop(name, "SIGTERM")));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Ports from here up to the kernel's ephemeral range are only ever taken by listeners. */
const LOWEST_CHOSEN_PORT = 10_000;
const PORT_TRIES = 50;

/**
 * A port nothing listens on, for a program to bind a moment later (and to bind again after a
 * restart). Chosen below the kernel's ephemeral range: a port from that range (what listening on
 * port 0 gives) can be taken as the local port of any outgoing connection on the machine before
 * the program binds it, and on a machine shared by many test runs that happens.
 */
export async function freePort(): Promise<number> {
  const ceiling = ephemeralRangeStart();
  if (ceiling !== undefined && ceiling - LOWEST_CHOSEN_PORT >= 1000) {
    for (let i = 0; i < PORT_TRIES; i++) {
      const port = LOWEST_CHOSEN_PORT + Math.floor(Math.random() * (ceiling - LOWEST_CHOSEN_PORT));
      if ((await listenOnce(port)) === port) return port;
    }
  }
  const port = await listenOnce(0);
  if (port === undefined) throw new Error("no port");
  return port;
}

/** Listens on `port` (0: any) and closes again; the port it got, or undefined when it was taken. */
async function listenOnce(port: number): Promise<number | undefined> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (!listening) return undefined;
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : undefined;
}

/** The first port of Linux's ephemeral range; undefined elsewhere. */
function ephemeralRangeStart(): number | undefined {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}
