/**
 * The on-disk format of the local registry: one JSON NodeRecord per node at
 * `<directory>/<service>/<nodeId>.json`. Every process on the machine reads and writes the same
 * tree with no lock, so writes are atomic renames and anything read is checked before it is used:
 * a file may be stale, gone by the time it is opened, or not ours at all.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { join } from "node:path";
import { type NodeRecord, checkName, isName, parseRecord } from "../index.js";
import { FOLDER_MODE, RECORD_MODE } from "./permissions.js";

const RECORD_SUFFIX = ".json";
/** Unparseable files and temp files are only removed once this old, so a writer mid-write is never raced. */
export const STALE_FILE_MS = 10_000;

/** A live record with the exact text it was read from, so that any rewrite counts as a change. */
export interface ScannedRecord {
  readonly record: NodeRecord;
  readonly text: string;
}

export interface Scan {
  /** Keyed by `service/nodeId`. */
  readonly records: Map<string, ScannedRecord>;
  /** Every service folder, including those with no live node, so they can be watched. */
  readonly services: string[];
}

export function keyOf(service: string, nodeId: string): string {
  return `${service}/${nodeId}`;
}

export function recordPath(directory: string, service: string, nodeId: string): string {
  return join(directory, checkName("local", "service name", service), checkName("local", "node id", nodeId) + RECORD_SUFFIX);
}

/** Writes beside the target and renames over it, so readers see the old file or the new one, never half. */
export async function writeRecord(directory: string, record: NodeRecord): Promise<void> {
  const target = recordPath(directory, record.service, record.node.id);
  const folder = join(directory, record.service);
  await fsp.mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  const temp = join(folder, `.tmp-${process.pid}-${randomUUID()}`);
  try {
    await fsp.writeFile(temp, JSON.stringify(record), { mode: RECORD_MODE });
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The node id a folder entry holds a record for, or undefined for temp files and strangers. */
function nodeIdOf(file: string): string | undefined {
  if (!file.endsWith(RECORD_SUFFIX)) return undefined;
  const id = file.slice(0, -RECORD_SUFFIX.length);
  // Names never start with a dot, so our temp files are left out.
  return isName(id) ? id : undefined;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The live records of one service, or of all; expired files are deleted on the way. */
export async function readRecords(directory: string, service?: string, now = Date.now()): Promise<NodeRecord[]> {
  const services = service === undefined ? (await listFolder(directory)).filter(isName) : [service];
  const perService = await Promise.all(services.map((s) => readService(directory, s, now)));
  return perService.flat();
}

async function readService(directory: string, service: string, now: number): Promise<NodeRecord[]> {
  const folder = join(directory, service);
  const files = await listFolder(folder);
  const found = await Promise.all(files.map((file) => readEntry(folder, service, file, now)));
  return found.filter((r): r is NodeRecord => r !== undefined);
}

async function readEntry(folder: string, service: string, file: string, now: number): Promise<NodeRecord | undefined> {
  const path = join(folder, file);
  const nodeId = nodeIdOf(file);
  if (nodeId === undefined) {
    if (file.startsWith(".tmp-")) await removeIfStale(path, now);
    return undefined;
  }
  const read = await readWithTime(path);
  if (read === undefined) return undefined;
  const record = parseRecord(read.text, service, nodeId);
  if (!record) {
    await removeIfStale(path, now);
    return undefined;
  }
  if (record.expiresAt > now) return { ...record, storedAt: read.mtimeMs };
  await removeIfExpired(path, service, nodeId, now);
  return undefined;
}

/**
 * The text and the mtime of one file, from one open: a writer renames a new file over the path,
 * so reading and stat-ing the path apart could pair one file's text with another's time.
 */
async function readWithTime(path: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, "r");
    const [text, stat] = await Promise.all([handle.readFile("utf8"), handle.stat()]);
    return { text, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function listFolder(folder: string): Promise<string[]> {
  try {
    return await fsp.readdir(folder);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/**
 * Re-reads just before unlinking: the owner may have refreshed the node since it was read, and a
 * fresh registration must not be deleted. The remaining window is the time of one unlink.
 */
async function removeIfExpired(path: string, service: string, nodeId: string, now: number): Promise<void> {
  const text = await fsp.readFile(path, "utf8").catch(() => undefined);
  const record = text === undefined ? undefined : parseRecord(text, service, nodeId);
  if (record && record.expiresAt <= now) await fsp.rm(path, { force: true }).catch(() => undefined);
}

async function removeIfStale(path: string, now: number): Promise<void> {
  const stat = await fsp.stat(path).catch(() => undefined);
  if (stat?.isFile() && now - stat.mtimeMs > STALE_FILE_MS) await fsp.rm(path, { force: true }).catch(() => undefined);
}

/**
 * A synchronous scan for the watcher: it runs from timers and fs.watch callbacks, where doing the
 * whole small tree in one go means no interleaving with another scan. Deletes expired files too.
 */
export function scanSync(directory: string, now = Date.now()): Scan {
  const records = new Map<string, ScannedRecord>();
  const services = listFolderSync(directory).filter(isName);
  for (const service of services) {
    const folder = join(directory, service);
    for (const file of listFolderSync(folder)) {
      const nodeId = nodeIdOf(file);
      if (nodeId === undefined) continue;
      const text = readSync(join(folder, file));
      const record = text === undefined ? undefined : parseRecord(text, service, nodeId);
      if (!record || text === undefined) continue;
      if (record.expiresAt > now) records.set(keyOf(service, nodeId), { record, text });
      else removeIfExpiredSync(join(folder, file), service, nodeId, now);
    }
  }
  return { records, services };
}

function listFolderSync(folder: string): string[] {
  try {
    return fs.readdirSync(folder);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

function readSync(path: string): string | undefined {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function removeIfExpiredSync(path: string, service: string, nodeId: string, now: number): void {
  const text = readSync(path);
  const record = text === undefined ? undefined : parseRecord(text, service, nodeId);
  if (!record || record.expiresAt > now) return;
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // Another process may be cleaning up the same file; whoever wins, it is gone.
  }
}
