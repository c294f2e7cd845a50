/**
 * Private, throwaway NATS and PostgreSQL servers for tests that stop and start their
 * dependencies: each on a free port with its data in a temp folder of its own, so a test can
 * restart them without touching the machine's shared servers (which other test files use at the
 * same time).
 *
 * `stop()` and `start()` keep the port and the data, as a real restart does: JetStream's KV
 * bucket (the registry) and every table survive, and programs that reconnect to the same address
 * find them again. `close()` stops and removes everything. A process-exit backstop kills whatever
 * a test forgot, so a failing test never leaves a server behind.
 *
 * The binaries are required on CI (docs/architecture.md, "How it is tested"): `missingServers()` says what is missing,
 * and the test file fails with it when CI=true and skips with it elsewhere.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, constants, readFileSync, rmSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { waitFor } from "@gw/micro/testing";
import { freePort } from "./harness.js";

const run = promisify(execFile);

/** How long a server may take to accept connections after it was started. */
const START_TIMEOUT_MS = 20_000;

export interface NatsServer {
  /** `nats://127.0.0.1:<port>`, the same across restarts. */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** SIGTERM, resolved once the process has exited. */
  stop(): Promise<void>;
  /** Starts again on the same port and store directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its store directory. */
  close(): Promise<void>;
}

export interface PostgresServer {
  /** The superuser's URL, `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** Creates database `name` and resolves its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast`: connections are cut, the server exits. */
  stop(): Promise<void>;
  /** Starts again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  close(): Promise<void>;
}

/** What the process-exit backstop must undo, by server. */
const leftovers = new Map<string, { kill(): void; dir: string }>();

process.once("exit", () => {
  // Only synchronous work runs here: signals and rmSync. Tests close their servers in after
  // hooks; this catches a crash or an abort before those ran.
  for (const { kill, dir } of leftovers.values()) {
    try {
      kill();
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The NATS server binary: on PATH, else where the Debian package puts it. */
export function natsServerBinary(): string | undefined {
  return findOnPath("nats-server") ?? (executable("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : undefined);
}

/** The folder holding `initdb` and `pg_ctl`: `pg_config --bindir`, else PATH. */
export async function postgresBinDir(): Promise<string | undefined> {
  const fromConfig = await run("pg_config", ["--bindir"]).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  for (const dir of [fromConfig, ...pathDirs()]) {
    if (dir && executable(join(dir, "initdb")) && executable(join(dir, "pg_ctl"))) return dir;
  }
  return undefined;
}

/** Why the private servers cannot run here, or undefined when they can. */
export async function missingServers(): Promise<string | undefined> {
  const missing: string[] = [];
  if (!natsServerBinary()) missing.push("nats-server (on PATH or /usr/sbin)");
  if (!(await postgresBinDir())) missing.push("PostgreSQL's initdb and pg_ctl (pg_config --bindir, or PATH)");
  if (missing.length === 0 && isRoot() && !(await postgresUser())) {
    missing.push("a `postgres` user to run PostgreSQL as (it refuses to run as root)");
  }
  return missing.length === 0 ? undefined : `not installed: ${missing.join(", ")}`;
}

export async function startNats(options: { port?: number } = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error("nats-server not found on PATH or in /usr/sbin");
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), "gw-nats-"));
  const args = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = "";

  const start = async (): Promise<void> => {
    if (child) return;
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    started.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    started.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) =>
      started.once("exit", () => {
        if (child === started) child = undefined;
        resolve();
      }),
    );
    leftovers.set(dir, { kill: () => started.kill("SIGKILL"), dir });
    try {
      await untilListening(port, () => child !== started);
    } catch (error) {
      started.kill("SIGKILL");
      throw new Error(`nats-server did not start on port ${port}: ${(error as Error).message}\n${output}`);
    }
  };
  const stop = async (): Promise<void> => {
    child?.kill("SIGTERM");
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== undefined;
    },
    start,
    stop,
    async close() {
      await stop();
      leftovers.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await postgresBinDir();
  if (!bin) throw new Error("PostgreSQL's initdb and pg_ctl not found (pg_config --bindir, or PATH)");
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "gw-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  // PostgreSQL refuses to run as root: then the folder goes to the postgres user, who runs it.
  const owner = isRoot() ? await postgresUser() : undefined;
  if (isRoot() && !owner) throw new Error("running as root and there is no postgres user to run PostgreSQL as");
  if (owner) await chown(dir, owner.uid, owner.gid);
  const as = (tool: string, args: string[]) => {
    const path = join(bin, tool);
    return owner ? run("runuser", ["-u", "postgres", "--", path, ...args]) : run(path, args);
  };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;

  const backstop = () => ({
    // The postmaster is pg_ctl's daemon, not our child: signal it by the pid in its lock file.
    // SIGQUIT is PostgreSQL's immediate shutdown.
    kill: () => {
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGQUIT");
    },
    dir,
  });

  const start = async (): Promise<void> => {
    if (running) return;
    const settings = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off`;
    leftovers.set(dir, backstop());
    try {
      await as("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", String(START_TIMEOUT_MS / 1000), "-o", settings]);
      running = true;
      await untilListening(port, () => false);
    } catch (error) {
      throw new Error(`PostgreSQL did not start on port ${port}: ${(error as Error).message}\n${readLog(log)}`);
    }
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await as("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]);
    running = false;
  };

  try {
    // --no-sync: a throwaway cluster need not wait for the disk.
    await as("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await start();
  } catch (error) {
    leftovers.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    get running() {
      return running;
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => undefined);
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    async close() {
      try {
        await stop();
      } catch {
        // pg_ctl could not stop it in time: an immediate shutdown, so nothing outlives the test.
        try {
          backstop().kill();
        } catch {
          // Already gone.
        }
      }
      leftovers.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `port` accepts a TCP connection; rejects when `gone()` says the server died, or on timeout. */
async function untilListening(port: number, gone: () => boolean): Promise<void> {
  const outcome = await waitFor(async () => (gone() ? "exited" : (await accepts(port)) ? "listening" : undefined), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 50,
  }).catch(() => "timed out");
  if (outcome === "exited") throw new Error("the process exited");
  if (outcome !== "listening") throw new Error(`nothing listening after ${START_TIMEOUT_MS} ms`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

function pathDirs(): string[] {
  return (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
}

function findOnPath(name: string): string | undefined {
  return pathDirs()
    .map((dir) => join(dir, name))
    .find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8").slice(-4000);
  } catch {
    return "";
  }
}
