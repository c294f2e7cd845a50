#!/usr/bin/env node
/**
 * `npm test`: installs what is missing, builds, then runs every compiled `*.test.js` with Node's test runner: unit and
 * integration tests first, then the end-to-end tests (which start real processes) one file at
 * a time so they do not compete for the machine's two cores.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { build, installIfMissing, root } from "./prepare.mjs";
import { workspaces } from "./programs.mjs";

const PACKAGES = workspaces(root);
/** Tests that start programs as processes: one file at a time. */
const SERIAL = ["test/e2e/", "bench/"];
/**
 * Unit and integration test files run this many at a time. They wait on databases, sockets and
 * child processes as much as they compute, so more files than cores keeps both cores busy; none
 * shares state with another (each has its own databases, ports and temp folders). Measured on the
 * 2-core machine: see the commit that set it. End-to-end files stay one at a time.
 */
const UNIT_CONCURRENCY = 4;

installIfMissing((line) => console.log(line));
build();

const filter = process.argv.slice(2);
const files = PACKAGES.flatMap((p) => testsUnder(join(root, p, "dist")))
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)));
const serial = (f) => SERIAL.some((prefix) => f.startsWith(prefix));
const e2e = files.filter(serial);
const units = files.filter((f) => !serial(f));

let status = 0;
for (const [group, concurrency] of [[units, UNIT_CONCURRENCY], [e2e, 1]]) {
  if (group.length === 0) continue;
  const run = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, ...group], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) status = run.status ?? 1;
}
process.exit(status);

function testsUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testsUnder(path);
    return e.name.endsWith(".test.js") ? [path] : [];
  });
}
