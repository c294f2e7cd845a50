/**
 * First-start initialisation of a PGlite data directory, run in a short-lived child process.
 *
 * Why a child: PGlite's initdb runs a second, in-memory Postgres and leaves the service process at
 * about 800 MB RSS until V8 collects it (measured; a reopen needs under 300 MB). Paying that in a
 * process that exits keeps a long-running service at its reopen size from the very first start.
 *
 * Why a scratch folder: initdb writes into `<dataDir>/.initdb` and its files are moved up with
 * PG_VERSION last, so a crash mid-way never leaves a directory PGlite would mistake for a database.
 * This module is also the child's entry point (see the bottom of the file).
 */

import { spawn } from "node:child_process";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";

const SCRATCH = ".initdb";
/** The file PostgreSQL (and PGlite) take as "this directory holds a database". */
const MARKER = "PG_VERSION";

/** Makes sure `dataDir` holds a database; the caller holds the directory's lock. */
export async function ensureInitialised(dataDir: string): Promise<void> {
  if (await exists(join(dataDir, MARKER))) return;
  await mkdir(dataDir, { recursive: true });
  const scratch = join(dataDir, SCRATCH);
  await rm(scratch, { recursive: true, force: true }); // left by an interrupted first start
  const leftovers = (await readdir(dataDir)).filter((name) => name !== SCRATCH);
  if (leftovers.length > 0) {
    throw new Error(
      `data directory ${dataDir} is not empty but holds no database (no ${MARKER}); empty it or choose another`,
    );
  }
  await runChild(scratch);
  for (const name of await readdir(scratch)) {
    if (name !== MARKER) await rename(join(scratch, name), join(dataDir, name));
  }
  await rename(join(scratch, MARKER), join(dataDir, MARKER));
  await rm(scratch, { recursive: true, force: true });
}

/** Runs this file as a child process on `scratch`; rejects with its stderr when it fails. */
function runChild(scratch: string): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), scratch], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`PGlite initdb in ${scratch} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The child: create the database in the given folder, shut it down cleanly, exit. */
async function childMain(scratch: string): Promise<void> {
  const pg = await PGlite.create({ dataDir: scratch });
  await pg.close();
}

const entry = process.argv[1];
if (entry !== undefined && entry === fileURLToPath(import.meta.url)) {
  const scratch = process.argv[2];
  if (scratch === undefined) throw new Error("usage: initdb.js <folder>");
  await childMain(scratch);
}
