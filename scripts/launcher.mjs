/**
 * Runs a set of programs as child processes with prefixed, readable logs; says when the gateway
 * is ready; stops them all on Ctrl-C (SIGINT) or SIGTERM and exits 0 once every one has exited.
 * Shared by `npm start` (the embedded default) and `npm run start:cluster`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root } from "./prepare.mjs";

export const PROGRAMS = {
  users: "services/users/dist/main.js",
  products: "services/products/dist/main.js",
  orders: "services/orders/dist/main.js",
  gateway: "gateway/dist/main.js",
};
const COLORS = { users: 36, products: 35, orders: 33, gateway: 32, start: 1 };
const STOP_TIMEOUT_MS = 15_000;

/**
 * The call-credential secret of a development setup run with AUTH=on: the one the environment
 * gives, else one made on first use and kept (owner-only) in `dir`, so a program started later on
 * its own (`npm start -- users`) shares it with those already running. Nobody needs to know it.
 */
export function callSecret(dir) {
  if (process.env.MICRO_AUTH_SECRET?.trim()) return process.env.MICRO_AUTH_SECRET;
  const file = join(dir, "micro-auth-secret");
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
 * `gatewayUrl`, when given, is polled until `/ready` answers 200, then announced.
 */
export function run(instances, { pretty, gatewayUrl }) {
  const started = Date.now();
  const children = new Map();
  let stopping = false;
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    say(`stopping ${[...children.keys()].join(", ")}…`);
    // Ctrl-C already reached the children through the terminal; a SIGTERM to this process did not.
    for (const child of children.values()) child.kill("SIGTERM");
    setTimeout(() => {
      for (const child of children.values()) child.kill("SIGKILL");
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    if (children.size === 0) process.exit(0);
  };
  for (const { label, program, env } of instances) {
    const child = spawn(process.execPath, [join(root, PROGRAMS[program])], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => print(label, line, pretty));
    child.on("exit", (code, signal) => {
      children.delete(label);
      if (!stopping) say(`${label} exited (${signal ?? `code ${code}`})`);
      if (children.size === 0) process.exit(stopping ? 0 : 1);
    });
    children.set(label, child);
  }
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
  // `npm start` runs this under `sh -c`: a SIGTERM to npm's pid ends npm and sh but never reaches
  // this process. Being re-parented means whoever started us is gone, so stop as on a signal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopAll();
  }, 500).unref();
  if (gatewayUrl) void announceWhenReady(gatewayUrl, started, () => stopping);
  else say(`started ${instances.map((i) => i.label).join(", ")}`);
}

async function announceWhenReady(url, started, stopped) {
  for (let i = 0; i < 600 && !stopped(); i++) {
    try {
      const response = await fetch(`${url}/ready`);
      if (response.status === 200) {
        say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url}  (try: curl ${url}/users?id=1)`);
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
