/**
 * An exclusive lock on a PGlite data directory, in the manner of PostgreSQL's postmaster.pid.
 * PGlite itself lets two processes open one directory and write with no error, after which the
 * data diverges (docs/architecture.md, "Measured, to choose with"), so a service must hold this lock before opening PGlite.
 *
 * The lock is a file `<dataDir>.lock` beside the directory holding the owner's pid. It is created
 * by hard-linking a finished temporary file, so no reader ever sees a half-written pid. A lock whose
 * pid is dead is taken over; one whose pid is alive is refused with `DataDirLockedError`.
 */

import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { DataDirLockedError } from "../index.js";

/** A held lock; `release` removes it if it is still ours. */
export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Takeover attempts before giving up: each lost race means another process just took it. */
const MAX_ATTEMPTS = 5;

/** Lock files this process holds, so a second opener here is refused although the pid is alive. */
const heldHere = new Set<string>();

/** Takes the lock on `dataDir` (an absolute path) or throws `DataDirLockedError`. */
export async function lockDataDir(dataDir: string): Promise<DirLock> {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (heldHere.has(path)) throw new DataDirLockedError(dataDir, process.pid);
    if (await tryCreate(path)) {
      heldHere.add(path);
      return { path, release: () => release(path) };
    }
    const owner = await readPid(path);
    if (owner === undefined) continue; // removed between our attempt and the read
    if (isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
    await removeStale(path, owner);
  }
  throw new Error(`could not take the lock ${path} after ${MAX_ATTEMPTS} attempts: other processes keep racing for it`);
}

/** Creates the lock atomically; false when it already exists. */
async function tryCreate(path: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${process.pid}\n`, { flag: "w" });
  try {
    // link(2) fails with EEXIST instead of replacing, like open(O_CREAT | O_EXCL) ("wx"), but the
    // file it publishes already holds the pid.
    await link(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** The pid in the lock file, or undefined when the file is gone. */
async function readPid(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const pid = Number.parseInt(text.trim(), 10);
  // Not a pid at all: nobody we could ask is alive behind it, so treat it as stale (pid 0 is never alive here).
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/**
 * Whether `pid` runs. EPERM means it exists under another user. Our own pid is alive only when this
 * process holds the lock (checked by the caller); otherwise it is a previous run that had the same
 * pid, which is common in containers where every service starts as pid 1.
 */
function isAlive(pid: number): boolean {
  if (pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/**
 * Moves the stale lock aside atomically. If another process took the stale lock over and wrote a
 * fresh one between our read and the rename, we moved a live lock: put it back.
 */
async function removeStale(path: string, deadPid: number): Promise<void> {
  const aside = `${path}.${process.pid}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  if ((await readPid(aside)) !== deadPid) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** Removes the lock only while it still names this process. */
async function release(path: string): Promise<void> {
  if (!heldHere.delete(path)) return;
  if ((await readPid(path)) === process.pid) await unlink(path).catch(() => undefined);
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}
