/**
 * The NATS registry's data: one KV entry per node, keyed `<service>.<nodeId>`, holding a NodeRecord
 * as JSON with its `expiresAt`. This server (2.9) has no per-key TTL, so the record carries its own
 * and every reader ignores an expired one; a reader that finds one also deletes it, but only if it
 * is still the revision it read (compare-and-delete), so a node's fresh refresh is never removed.
 */
import type { KvEntry } from "@nats-io/kv";
import type { NodeRecord } from "../../registry/index.js";
import { checkName, isName, parseRecord } from "../../registry/index.js";
import type { Bucket } from "./store.js";

/**
 * KV keys are NATS subjects split at dots, so a dot inside a name (registry/names.ts allows them)
 * is stored as `=`, which no name contains: each name stays one token, and `<service>.*` finds
 * exactly that service's nodes.
 */
const BUCKET = /^[A-Za-z0-9_-]{1,64}$/;

function toToken(name: string): string {
  return name.replaceAll(".", "=");
}

function fromToken(token: string): string {
  return token.replaceAll("=", ".");
}

/** A live or expired record with the KV revision it was read at. */
export interface StoredRecord {
  readonly key: string;
  readonly record: NodeRecord;
  readonly revision: number;
  /** When the server stored it, epoch milliseconds by the server's clock. */
  readonly storedAt: number;
}

export function checkBucket(value: string): string {
  if (typeof value === "string" && BUCKET.test(value)) return value;
  throw new Error(`nats registry: invalid bucket ${JSON.stringify(value)}: use 1 to 64 letters, digits, "_" or "-"`);
}

export function keyOf(service: string, nodeId: string): string {
  return `${toToken(checkName("nats", "service name", service))}.${toToken(checkName("nats", "node id", nodeId))}`;
}

/** The KV filter for every node of `service`. */
export function filterOf(service: string): string {
  return `${toToken(checkName("nats", "service name", service))}.*`;
}

/**
 * Reads an entry, trusting nothing: a key that is not ours, or a value whose service or node id
 * disagrees with its key, is no record. The checks are every registry's (registry/records.ts).
 */
export function decodeEntry(entry: KvEntry): StoredRecord | undefined {
  if (entry.operation !== "PUT") return undefined;
  const tokens = entry.key.split(".");
  if (tokens.length !== 2) return undefined;
  const [service, nodeId] = tokens.map(fromToken) as [string, string];
  if (!isName(service) || !isName(nodeId)) return undefined;
  let text: string;
  try {
    text = entry.string();
  } catch {
    return undefined;
  }
  const record = parseRecord(text, service, nodeId);
  return record && { key: entry.key, record, revision: entry.revision, storedAt: entry.created.getTime() };
}

/**
 * Every record under `filter` (`users.*`, or `>` for all), live or expired as of `now`. The keys
 * come from the stream's subject list, one request and no consumer: `kv.keys()` would create a
 * consumer per lookup, which the server keeps for five minutes after it is done.
 */
export async function readRecords(
  bucket: Bucket,
  filter: string,
  now = Date.now(),
): Promise<{ live: StoredRecord[]; expired: StoredRecord[] }> {
  const info = await bucket.jsm.streams.info(bucket.stream, { subjects_filter: bucket.subjectPrefix + filter });
  const keys = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(bucket.subjectPrefix.length));
  const entries = await Promise.all(keys.map((key) => bucket.kv.get(key)));
  const live: StoredRecord[] = [];
  const expired: StoredRecord[] = [];
  for (const entry of entries) {
    const stored = entry ? decodeEntry(entry) : undefined;
    if (stored) (stored.record.expiresAt > now ? live : expired).push(stored);
  }
  return { live, expired };
}

/**
 * Deletes expired records, each only if it is still the revision that was read: a refresh that
 * landed since makes the delete fail, as it should. Best effort: whoever wins, the record is gone
 * or fresh, and the bucket's max age removes anything left behind.
 */
export async function deleteExpired(bucket: Bucket, expired: readonly StoredRecord[]): Promise<void> {
  await Promise.allSettled(expired.map((s) => bucket.kv.delete(s.key, { previousSeq: s.revision })));
}
