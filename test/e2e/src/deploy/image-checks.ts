/**
 * The Dockerfile and the image's entry script: a multi-stage build whose last stage runs as
 * non-root with an exec-form entry point, copies that exist and pass .dockerignore, and every
 * package.json, dist and migration a program needs.
 * Each function is one test of deploy.test.ts, which names it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { execWords, isExecForm, parseCopy, parseDockerfile } from "./dockerfile.js";
import { parseDockerignore } from "./dockerignore.js";
import { readText, repoPath } from "./files.js";
import { BACKENDS, PROGRAMS, entrypointPrograms, finalStage } from "./project.js";
import { list, obj, str } from "./values.js";

/** deploy - the Dockerfile is multi-stage, and its final stage runs as non-root with an exec-form entrypoint */
export function checkFinalStage(): void {
  const { stages } = parseDockerfile(readText("Dockerfile"));
  assert.ok(stages.length >= 2, "multi-stage");
  const final = finalStage();
  assert.ok(final.instructions.some((i) => i.keyword === "COPY" && parseCopy(i).from !== undefined), "the final stage takes its files from earlier stages");
  const user = final.instructions.filter((i) => i.keyword === "USER").at(-1);
  assert.ok(user, "a USER in the final stage");
  assert.doesNotMatch(user.args.split(":")[0] ?? "", /^(root|0)$/, `USER ${user.args}`);
  const entry = final.instructions.filter((i) => i.keyword === "ENTRYPOINT" || i.keyword === "CMD").at(-1);
  assert.ok(entry && isExecForm(entry), "exec form, so node itself receives SIGTERM");
  const words = execWords(entry);
  assert.equal(words[0], "node");
  assert.ok(existsSync(repoPath(words[1] ?? "")), `${words[1] ?? ""} exists`);
}

/** deploy - every path the Dockerfile copies from the build context exists and passes .dockerignore */
export function checkCopies(): void {
  const ignored = parseDockerignore(readText(".dockerignore"));
  const stages = parseDockerfile(readText("Dockerfile")).stages;
  const names = new Set(stages.map((s) => s.name));
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map(parseCopy)) {
      if (copy.from !== undefined) {
        assert.ok(names.has(copy.from.toLowerCase()), `line ${copy.line}: --from=${copy.from} is not a stage`);
        continue;
      }
      for (const source of copy.sources) {
        assert.ok(existsSync(repoPath(source)), `line ${copy.line}: ${source} is not in the repository`);
        assert.equal(ignored(source), false, `line ${copy.line}: .dockerignore leaves ${source} out of the context`);
      }
    }
  }
  for (const path of ["node_modules", "gateway/dist", "services/users/dist/main.js", "packages/micro/src/x.test.ts", ".git"]) {
    assert.equal(ignored(path), true, `${path} stays out of the context`);
  }
}

/** deploy - the image gets every workspace's package.json, each program's dist, the dashboard's files and each service's migrations and seeds */
export function checkImageContents(): void {
  // services/* stands for every service the folders hold.
  const workspaces = list(obj(JSON.parse(readText("package.json")), "package.json")["workspaces"], "workspaces")
    .map((w) => str(w, "workspace"))
    .flatMap((w) => (w === "services/*" ? BACKENDS.map((b) => `services/${b}`) : [w]));
  const copies = parseDockerfile(readText("Dockerfile")).stages.flatMap((s) => s.instructions.filter((i) => i.keyword === "COPY").map(parseCopy));
  const copied = new Set(copies.flatMap((c) => c.sources.map((s) => s.replace(/^\/app\//, ""))));
  for (const workspace of workspaces) assert.ok(copied.has(`${workspace}/package.json`), `${workspace}/package.json, which npm ci needs`);
  const runtime = finalStage().instructions.filter((i) => i.keyword === "COPY").map(parseCopy);
  const inImage = new Set(runtime.flatMap((c) => c.sources.map((s) => s.replace(/^\/app\//, ""))));
  // test/e2e and bench measure the programs and cli is a developer's tool: none is part of what the image runs.
  for (const workspace of workspaces.filter((w) => w !== "test/e2e" && w !== "bench" && w !== "cli")) assert.ok(inImage.has(`${workspace}/dist`), `${workspace}/dist`);
  assert.ok(inImage.has("gateway/assets"), "gateway/assets, the dashboard's files, read at start");
  for (const backend of BACKENDS) {
    for (const folder of ["migrations", "seeds"]) {
      const path = `services/${backend}/${folder}`;
      if (existsSync(repoPath(path))) assert.ok(inImage.has(path), `${path}, read at start`);
    }
  }
}

/** deploy - the entry script knows each program's main and refuses an unknown PROGRAM with one line */
export function checkEntrypoint(): void {
  const programs = entrypointPrograms();
  assert.deepEqual([...programs.keys()].sort(), [...PROGRAMS].sort());
  for (const [name, dir] of programs) assert.ok(existsSync(repoPath(dir, "src", "main.ts")), `${name}: ${dir}/src/main.ts`);
  const run = spawnSync(process.execPath, [repoPath("deploy", "entrypoint.mjs")], { env: { PROGRAM: "billing" }, encoding: "utf8" });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, `entrypoint: PROGRAM: expected one of ${["gateway", ...BACKENDS].join(", ")}, got "billing"\n`);
}
