/**
 * What `npm start` and `npm test` both do first on any clone: install the dependencies when
 * they are missing or older than the lockfile, then build (incrementally). Node's own modules only:
 * on a fresh clone nothing else exists yet.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Runs a command in the project root; exits with a clear line when it fails. */
function run(command, args, what, say) {
  say(what);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`${what.replace(/…$/, "")} failed\n`);
    process.exit(result.status ?? 1);
  }
}

export function installIfMissing(say = () => {}) {
  const marker = join(root, "node_modules", ".package-lock.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, "package-lock.json")).mtimeMs) return;
  const args = existsSync(join(root, "node_modules")) ? ["install"] : ["ci"];
  run("npm", [...args, "--no-audit", "--no-fund"], "installing dependencies…", say);
}

export function build(say = () => {}) {
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-b"], "building…", say);
}
