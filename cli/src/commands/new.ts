/**
 * `micro new <name>`, as go-micro's: creates services/<name> from the template (scaffold/), then
 * brings what depends on the list of services up to date (the root tsconfig.json's references,
 * the deploy files) and adds the workspace to node_modules and the lockfile. After it, with no
 * file edited by hand, `npm run build` builds the service and `npm start` runs it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GATEWAY, SERVICE_NAME } from "../../../scripts/programs.mjs";
import { generate } from "../generate/index.js";
import { pascal } from "../generate/names.js";
import { serviceFiles } from "../scaffold/template.js";
import { type Command, UsageError } from "./command.js";

/** Longer names make Kubernetes object names (`<name>-admin`, `<name>-rpc`) pass their 63-character limit. */
const MAX_NAME_LENGTH = 40;

/** Why `name` cannot be a new service under `root`, in one line; undefined when it can. */
export function nameProblem(name: string, root: string): string | undefined {
  if (!SERVICE_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a service name: use lowercase letters, digits and single dashes, starting with a letter (e.g. payments)`;
  }
  if (name.length > MAX_NAME_LENGTH) return `${name} is longer than ${MAX_NAME_LENGTH} characters`;
  if (name === GATEWAY) return `${name} is the gateway's name; choose another`;
  if (existsSync(join(root, "services", name))) return `services/${name} already exists; choose another name`;
  return undefined;
}

export const newCommand: Command = {
  name: "new",
  usage: "new <name> [--no-install]",
  summary: "create the service services/<name> from the template, with its place in the build and the deploy files",
  async run(args, { root, io }) {
    const install = !args.includes("--no-install");
    const rest = args.filter((a) => a !== "--no-install");
    const unknown = rest.find((a) => a.startsWith("-"));
    if (unknown !== undefined) throw new UsageError(`new: unknown option ${unknown}; usage: micro new <name>`);
    if (rest.length !== 1) throw new UsageError("new: expected one service name; usage: micro new <name>");
    const name = rest[0] ?? "";
    const problem = nameProblem(name, root);
    if (problem) throw new UsageError(`new: ${problem}`);

    const dir = join(root, "services", name);
    const files = serviceFiles({ name, typebox: typeboxRange(root), migrationVersion: migrationVersion(new Date()) });
    try {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content, { flag: "wx" });
      }
      const written = generate(root).filter((o) => o.changed);
      io.out(`created services/${name} (${pascal(name)}Service.Call: POST /${name}/call)`);
      if (written.length > 0) io.out(`updated ${written.map((o) => o.path).join(", ")}`);
    } catch (error) {
      // Half a service would make every later build fail; the generated files are rewritten from
      // the list, which no longer holds it, the next time generate runs.
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    if (install) {
      // Links the new workspace and records it in package-lock.json, so `npm ci` (CI, the image)
      // accepts the lockfile. Its dependencies are the toolkit's own: nothing new is fetched.
      const result = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
      if (result.status !== 0) {
        io.err(`micro new: npm install failed (${result.error?.message ?? `exit code ${result.status}`}); services/${name} is written, run npm install`);
        return 1;
      }
    }
    io.out(`next: npm run build, then npm start (or npm start -- ${name} beside a running system)`);
    return 0;
  },
};

/** The range @gw/proto gives @sinclair/typebox. */
function typeboxRange(root: string): string {
  const manifest = JSON.parse(readFileSync(join(root, "packages", "proto", "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const range = manifest.dependencies?.["@sinclair/typebox"];
  if (range === undefined) throw new Error("packages/proto/package.json names no @sinclair/typebox");
  return range;
}

/** `YYYYMMDDhhmmss` in UTC, as the migrations' file names start. */
export function migrationVersion(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}
