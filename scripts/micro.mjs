#!/usr/bin/env node
/**
 * `npm run micro -- <command>`: installs what is missing and builds, as `npm start` does, then
 * runs the project's CLI (cli/, bin `micro`) with the arguments, e.g. `npm run micro -- new payments`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build, installIfMissing, root } from "./prepare.mjs";

const say = (line) => process.stderr.write(`micro: ${line}\n`);
installIfMissing(say);
build(say);
const result = spawnSync(process.execPath, [join(root, "cli", "dist", "main.js"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
