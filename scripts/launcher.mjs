/**
 * Runs a set of programs as child processes with prefixed, readable logs; says when the gateway
 * is ready, or which program could not start and why; stops them all on Ctrl-C (SIGINT) or
 * SIGTERM and exits 0 once every one has exited.
 * Shared by `npm start` (the embedded default) and `npm run start:cluster`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CALL_SECRET_FILE } from "./development.mjs";
import { root } from "./prepare.mjs";
import { GATEWAY, gatewayExpect, programEntries, serviceNames } from "./programs.mjs";

/** Every program by name, from the folders (programs.mjs). */
export const PROGRAMS = programEntries(root);
/** Services take these in name order, round again after a tenth; the gateway is always green. */
const PALETTE = [33, 35, 36, 34, 31, 93, 95, 96, 94, 91];
const COLORS = { ...Object.fromEntries(serviceNames(root).map((name, i) => [name, PALETTE[i % PALETTE.length]])), [GATEWAY]: 32, start: 1 };

/** The gateway's environment: its /ready waits for a node of every service in the list. */
export function gatewayEnv(env) {
  return { ...env, GATEWAY_EXPECT: env.GATEWAY_EXPECT ?? gatewayExpect(root) };
}
const STOP_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 200;

/**
 * The call-credential secret of a development setup run with AUTH=on: the one the environment
 * gives, else one made on first use and kept (owner-only) in `dir`, so a program started later on
 * its own (`npm start -- users`) shares it with those already running. Nobody needs to know it.
 */
export function callSecret(dir) {
  if (process.env.MICRO_AUTH_SECRET?.trim()) return process.env.MICRO_AUTH_SECRET;
  const file = join(dir, CALL_SECRET_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString("base64url");
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

/** Formats pino lines for people, or passes them through with `--json` / LOG_FORMAT=json. */
export async function formatter() {
  if (process.argv.includes("--json") || process.env.LOG_FORMAT === "json") return undefined;
  const { prettyFactory } = await import("pino-pretty");
  return prettyFactory({ colorize: process.stdout.isTTY, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name", singleLine: true });
}

/** Prints `line` under the label `name` (`users`, `users#2`, `start`). */
export function print(name, line, pretty) {
  const color = COLORS[name.split("#")[0]] ?? 0;
  const prefix = `\x1b[${color}m${name.padEnd(10)}\x1b[0m│ `;
  let text = line;
  if (pretty && line.startsWith("{")) {
    try {
      text = pretty(JSON.parse(line)).trimEnd();
    } catch {
      // Not JSON after all: print it as it came.
    }
  }
  process.stdout.write(prefix + text.replaceAll("\n", `\n${prefix}`) + "\n");
}

export function say(message) {
  print("start", message);
}

/**
 * Starts `instances` ([{ label, program, env }]) and supervises them until a signal stops them.
 * Start-up is over once every one of them has said it listens (a message on the IPC channel, sent
 * by the program itself) and, when a gateway is among them, its own address answers `/ready` with
 * 200; then `gatewayUrl` is announced. Another process answering on the same port does not count:
 * only this launcher's own children do. A child that exits during start-up stops the rest, and
 * the launcher prints one line on stderr saying which and why, and exits 1. `name` prefixes it.
 */
export function run(instances, options) {
  const supervisor = new Supervisor(options);
  for (const instance of instances) supervisor.add(instance);
  process.on("SIGINT", () => supervisor.stopAll());
  process.on("SIGTERM", () => supervisor.stopAll());
  // `npm start` runs this under `sh -c`: a SIGTERM to npm's pid ends npm and sh but never reaches
  // this process. Being re-parented means whoever started us is gone, so stop as on a signal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) supervisor.stopAll();
  }, 500).unref();
}

class Supervisor {
  started = Date.now();
  children = new Map();
  stopping = false;
  starting = true;
  allListening = false;
  exitCode = 0;

  constructor({ name, pretty, gatewayUrl }) {
    Object.assign(this, { name, pretty, gatewayUrl });
  }

  add(instance) {
    const child = start(instance, this.pretty);
    child.process.on("message", (message) => {
      if (message?.type !== "listening" || typeof message.address !== "string") return;
      child.address = message.address;
      this.onListening();
    });
    // "close", not "exit": by then the last stderr line, which says why, has been read.
    child.process.on("close", (code, signal) => this.onClose(instance.label, child.reason(code, signal), signal ?? `code ${code}`));
    this.children.set(instance.label, child);
  }

  onListening() {
    const children = [...this.children.values()];
    if (this.allListening || this.stopping || !children.every((c) => c.address !== undefined)) return;
    this.allListening = true;
    const gateway = children.find((c) => c.program === "gateway");
    if (!gateway) return this.finishStart(`started ${[...this.children.keys()].join(", ")}`);
    void whenReady(gateway, () => this.stopping).then((ready) => {
      const url = this.gatewayUrl;
      if (ready) this.finishStart(`ready in ${((Date.now() - this.started) / 1000).toFixed(1)} s: ${url}  (try: curl ${url}/users?id=1; dashboard: ${url}/dashboard)`);
    });
  }

  finishStart(message) {
    this.starting = false;
    say(message);
  }

  onClose(label, reason, how) {
    this.children.delete(label);
    if (this.starting && !this.stopping) {
      process.stderr.write(`${this.name}: ${label} could not start: ${reason}\n`);
      this.exitCode = 1;
      this.stopAll();
    } else if (!this.stopping) say(`${label} exited (${how})`);
    if (this.children.size === 0) process.exit(this.stopping ? this.exitCode : 1);
  }

  stopAll() {
    if (this.stopping) return;
    this.stopping = true;
    if (this.children.size > 0) say(`stopping ${[...this.children.keys()].join(", ")}…`);
    // Ctrl-C already reached the children through the terminal; a SIGTERM to this process did not.
    for (const { process: child } of this.children.values()) child.kill("SIGTERM");
    setTimeout(() => {
      for (const { process: child } of this.children.values()) child.kill("SIGKILL");
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    if (this.children.size === 0) process.exit(this.exitCode);
  }
}

/**
 * Spawns one program with an IPC channel (on which it says where it listens) and prefixed logs.
 * `reason` is why it exited, in a few words: its last line on stderr, where every program writes
 * the one line that says why it could not start.
 */
function start({ label, program, env }, pretty) {
  const childEnv = program === GATEWAY ? gatewayEnv(env) : env;
  const child = spawn(process.execPath, [join(root, PROGRAMS[program])], { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let lastError = "";
  createInterface({ input: child.stdout }).on("line", (line) => print(label, line, pretty));
  createInterface({ input: child.stderr }).on("line", (line) => {
    print(label, line, pretty);
    if (line.trim() !== "") lastError = line.trim();
  });
  return {
    process: child,
    program,
    address: undefined,
    reason(code, signal) {
      const said = lastError.startsWith(`${program}: `) ? lastError.slice(program.length + 2) : lastError;
      return said || (signal ? `killed by ${signal}` : `exited with code ${code}`);
    },
  };
}

/** Resolves true once the gateway's own address answers `/ready` with 200; false when told to give up. */
async function whenReady(gateway, givenUp) {
  while (!givenUp() && gateway.process.exitCode === null) {
    try {
      const response = await fetch(`${gateway.address}/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return gateway.process.exitCode === null;
    } catch {
      // Not answering yet.
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  return false;
}
