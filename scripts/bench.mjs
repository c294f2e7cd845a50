#!/usr/bin/env node
/**
 * `npm run bench -- [flags]`: installs what is missing, builds (incrementally), then runs the
 * benchmark (bench/dist/main.js) with the flags. Ctrl-C reaches the benchmark through the
 * terminal; this wrapper waits for it to stop its programs and exits with its status.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";
import { build, installIfMissing, root } from "./prepare.mjs";

installIfMissing((line) => console.error(line));
build();

const child = spawn(process.execPath, [join(root, "bench", "dist", "main.js"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
// Ctrl-C reaches the benchmark from the terminal already: a second SIGINT from here would make it
// quit without stopping its programs, so this process ignores SIGINT. SIGTERM comes to this process
// alone (a supervisor, npm), so it is passed on once.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
