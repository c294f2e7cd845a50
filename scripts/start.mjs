#!/usr/bin/env node
/**
 * `npm start`: installs what is missing, builds, starts the four programs as separate
 * processes with prefixed, readable logs, prints the URL once the gateway is ready, and stops
 * them all on Ctrl-C. `npm start -- users` starts only the named programs, with the same
 * defaults, e.g. to bring one service back after stopping it.
 *
 * Only Node's own modules are imported at the top: on a fresh clone nothing else exists yet.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build, installIfMissing, root } from "./prepare.mjs";
const PROGRAMS = {
  users: "services/users/dist/main.js",
  products: "services/products/dist/main.js",
  orders: "services/orders/dist/main.js",
  gateway: "gateway/dist/main.js",
};
const COLORS = { users: 36, products: 35, orders: 33, gateway: 32, start: 1 };
const STOP_TIMEOUT_MS = 15_000;

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const json = process.argv.includes("--json") || process.env.LOG_FORMAT === "json";
const names = requested.length > 0 ? requested : Object.keys(PROGRAMS);
for (const name of names) {
  if (!(name in PROGRAMS)) fail(`unknown program "${name}"; choose from ${Object.keys(PROGRAMS).join(", ")}`);
}

/** Formats a pino line for people; set once dependencies are installed. */
let pretty;
let stopping = false;
installIfMissing(say);
build(say);
pretty = json ? undefined : await prettifier();
const port = process.env.PORT ?? "8080";
const env = {
  ...process.env,
  DATA_DIR: process.env.DATA_DIR ?? join(root, ".data"),
  MICRO_REGISTRY_ADDRESS: process.env.MICRO_REGISTRY_ADDRESS ?? join(root, ".data", "registry"),
  // The embedded default is for a laptop: no tokens needed (DESIGN.md section 4). AUTH=on with
  // AUTH_JWT_SECRET turns it on; `npm run token` mints tokens for that secret.
  AUTH: process.env.AUTH ?? "off",
  PORT: port,
};
mkdirSync(env.DATA_DIR, { recursive: true });

const started = Date.now();
const children = new Map();
for (const name of names) children.set(name, launch(name));
if (names.includes("gateway")) void announceWhenReady(`http://localhost:${port}`);
else say(`started ${names.join(", ")}`);

process.on("SIGINT", () => stopAll("SIGINT"));
process.on("SIGTERM", () => stopAll("SIGTERM"));

function launch(name) {
  const child = spawn(process.execPath, [join(root, PROGRAMS[name])], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => print(name, line));
  }
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (!stopping) say(`${name} exited (${signal ?? `code ${code}`})`);
    if (children.size === 0) process.exit(stopping ? 0 : 1);
  });
  return child;
}

function stopAll(signal) {
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
}

async function announceWhenReady(url) {
  for (let i = 0; i < 600 && !stopping; i++) {
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

function print(name, line) {
  const prefix = `\x1b[${COLORS[name]}m${name.padEnd(8)}\x1b[0m│ `;
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

function say(message) {
  print("start", message);
}

function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

async function prettifier() {
  const { prettyFactory } = await import("pino-pretty");
  return prettyFactory({ colorize: process.stdout.isTTY, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name", singleLine: true });
}
