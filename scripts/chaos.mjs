#!/usr/bin/env node
/**
 * `npm run chaos -- [flags]`: installs what is missing, builds (incrementally), then runs the
 * fault suite (test/e2e/dist/chaos/main.js) with the flags. Ctrl-C reaches the suite through the
 * terminal; this wrapper waits for it to stop its programs and servers and exits with its status.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";
import { build, installIfMissing, root } from "./prepare.mjs";

installIfMissing((line) => console.error(line));
build();

const child = spawn(process.execPath, [join(root, "test", "e2e", "dist", "chaos", "main.js"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
// Ctrl-C reaches the suite from the terminal already; SIGTERM comes to this process alone (a
// supervisor, npm), so it is passed on once.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
