/**
 * PGlite: the conformance suite, plus what only an embedded data directory has: data that
 * outlives the process, the directory lock (same process, a real second process, a dead owner),
 * and no acknowledged write lost when the process is killed.
 *
 * The first start of a directory costs about 4 s (initdb), so one directory is initialised once and
 * copied for each test that needs its own.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { databaseConformance } from "../conformance.js";
import { DataDirLockedError, type Database } from "../index.js";
import { openPglite } from "./index.js";

const INDEX_URL = new URL("./index.js", import.meta.url).href;
let root = "";
let template = "";
let copies = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "pglite-test-"));
  template = join(root, "template");
  await (await openPglite(template)).close(); // the first start: initdb in a child process
});
after(() => rm(root, { recursive: true, force: true }));

/** A data directory of its own, already initialised. */
async function freshDir(): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  await cp(template, dir, { recursive: true });
  return dir;
}

let shared: Promise<Database> | undefined;
after(async () => (await shared)?.close());
databaseConformance("database/pglite", () => (shared ??= freshDir().then(openPglite)));

test("database/pglite - the first start leaves an initialised directory and a released lock", async () => {
  assert.ok((await stat(join(template, "PG_VERSION"))).isFile());
  await assert.rejects(stat(join(template, ".initdb")), { code: "ENOENT" });
  await assert.rejects(stat(`${template}.lock`), { code: "ENOENT" });
});

test("database/pglite - data survives close and reopen", async () => {
  const dir = await freshDir();
  const first = await openPglite(dir);
  await first.query("CREATE TABLE kept (id bigint PRIMARY KEY, price numeric(12,2))");
  await first.transaction((tx) => tx.query("INSERT INTO kept VALUES ($1, $2)", [7, 12.5]));
  await first.close();
  const second = await openPglite(dir);
  assert.deepEqual(await second.query("SELECT * FROM kept"), [{ id: 7, price: 12.5 }]);
  await second.close();
});

test("database/pglite - a second opener in the same process is refused until close", async () => {
  const dir = await freshDir();
  const db = await openPglite(dir);
  const refused = await openPglite(dir).then(
    () => assert.fail("second open succeeded"),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof DataDirLockedError);
  assert.equal(refused.pid, process.pid);
  assert.equal(refused.message, lockedMessage(dir, process.pid));
  assert.equal(await readFile(`${dir}.lock`, "utf8"), `${process.pid}\n`);
  await db.close();
  await assert.rejects(stat(`${dir}.lock`), { code: "ENOENT" });
  await (await openPglite(dir)).close();
});

test("database/pglite - a second process is refused with the clear message", async () => {
  const dir = await freshDir();
  const db = await openPglite(dir);
  try {
    const script = `import { openPglite } from ${JSON.stringify(INDEX_URL)};
      try { await openPglite(${JSON.stringify(dir)}); console.log("opened"); }
      catch (e) { console.log(JSON.stringify({ name: e.name, pid: e.pid, message: e.message })); }`;
    const { stdout } = await runNode(["--input-type=module", "-e", script]);
    assert.deepEqual(JSON.parse(stdout), {
      name: "DataDirLockedError",
      pid: process.pid,
      message: lockedMessage(dir, process.pid),
    });
  } finally {
    await db.close();
  }
});

test("database/pglite - a lock left by a dead process, or holding garbage, is taken over", async () => {
  const dir = await freshDir();
  const dead = await runNode(["-e", ""]);
  await writeFile(`${dir}.lock`, `${dead.pid}\n`);
  const db = await openPglite(dir);
  assert.equal(await readFile(`${dir}.lock`, "utf8"), `${process.pid}\n`);
  await db.close();
  await writeFile(`${dir}.lock`, "not a pid");
  await (await openPglite(dir)).close();
});

test("database/pglite - a killed process loses no acknowledged write", async () => {
  const dir = await freshDir();
  const script = `import { openPglite } from ${JSON.stringify(INDEX_URL)};
    const db = await openPglite(${JSON.stringify(dir)});
    await db.query("CREATE TABLE acked (id int PRIMARY KEY)");
    for (let id = 1; ; id++) { await db.query("INSERT INTO acked VALUES ($1)", [id]); console.log(id); }`;
  const acked = await killAfterAcks(script, 40);
  const db = await openPglite(dir); // the killed child's lock is still there: taken over
  const rows = await db.query<{ id: number }>("SELECT id FROM acked ORDER BY id");
  await db.close();
  assert.ok(rows.length >= acked, `${rows.length} rows stored, ${acked} acknowledged`);
  assert.deepEqual(rows.slice(0, acked).map((row) => row.id), Array.from({ length: acked }, (_, i) => i + 1));
});

test("database/pglite - stats count the calls waiting behind the running one", async () => {
  const db = await shared;
  assert.ok(db);
  assert.deepEqual(db.stats(), { total: 1, idle: 1, waiting: 0 });
  const calls = Array.from({ length: 5 }, () => db.query("SELECT pg_sleep(0.01)"));
  assert.deepEqual(db.stats(), { total: 1, idle: 0, waiting: 4 });
  await Promise.all(calls);
  assert.deepEqual(db.stats(), { total: 1, idle: 1, waiting: 0 });
});

test("database/pglite - a non-empty directory without a database is refused", async () => {
  const dir = join(root, "not-a-database");
  await mkdir(dir);
  await writeFile(join(dir, "notes.txt"), "mine");
  await assert.rejects(openPglite(dir), /is not empty but holds no database/);
  await assert.rejects(stat(`${dir}.lock`), { code: "ENOENT" });
});

/** The clear message a refused second opener gets, spelled out so a change to it is a visible decision. */
function lockedMessage(dir: string, pid: number): string {
  return `data directory ${dir} is in use by process ${pid}; stop it or set another data directory`;
}

/** Runs node with `args`; resolves with its stdout and pid once it exits 0. */
function runNode(args: string[]): Promise<{ stdout: string; pid: number }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 && child.pid !== undefined ? resolve({ stdout, pid: child.pid }) : reject(new Error(`exit ${code}`)),
    );
  });
}

/** Runs `script`, SIGKILLs it once it has printed `count` acknowledged ids; resolves with the last id seen. */
function killAfterAcks(script: string, count: number): Promise<number> {
  const args = ["--input-type=module", "-e", script];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let last = 0;
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) last = Number(line);
    if (last >= count) child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(last) : reject(new Error(`child exited before ${count} acks`)),
    );
  });
}
