/**
 * Registration records: a registry stores and expires nodes one by one, each as a NodeRecord with
 * its expiry inside, and groups live ones back into services on lookup. Shared by every backend,
 * as is the parsing of a stored record, which trusts nothing it reads.
 */
import type { Endpoint } from "../contract/catalog.js";
import type { Node, RegisteredService } from "./index.js";

/** A registration record holds one node: registries store and expire nodes one by one. */
export interface NodeRecord {
  readonly service: string;
  readonly version: string;
  readonly endpoints: readonly Endpoint[];
  readonly node: Node;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /**
   * When the store last wrote the record, epoch milliseconds, as the store knows it (not part of
   * the stored text): lookups give it to the node as `refreshedAt`.
   */
  readonly storedAt?: number;
}

export function recordsOf(service: RegisteredService, ttlMs: number, now = Date.now()): NodeRecord[] {
  return service.nodes.map(({ id, address, metadata }) => ({
    service: service.name,
    version: service.version,
    endpoints: service.endpoints,
    // A node looked up and registered again must not store the time it was last seen.
    node: { id, address, metadata },
    expiresAt: now + ttlMs,
  }));
}

/** Groups live records back into services, one per version, in a stable order. */
export function servicesOf(records: Iterable<NodeRecord>, now = Date.now()): RegisteredService[] {
  const byKey = new Map<string, { name: string; version: string; endpoints: readonly Endpoint[]; nodes: Node[] }>();
  for (const r of records) {
    if (r.expiresAt <= now) continue;
    const key = `${r.service}\u0000${r.version}`;
    let s = byKey.get(key);
    if (!s) {
      s = { name: r.service, version: r.version, endpoints: r.endpoints, nodes: [] };
      byKey.set(key, s);
    }
    s.nodes.push(r.storedAt === undefined ? r.node : { ...r.node, refreshedAt: r.storedAt });
  }
  const out = [...byKey.values()];
  for (const s of out) s.nodes.sort((a, b) => a.id.localeCompare(b.id));
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

export function serviceWithNode(record: NodeRecord): RegisteredService {
  return { name: record.service, version: record.version, endpoints: record.endpoints, nodes: [record.node] };
}

/** Reads a stored record, trusting nothing: a wrong shape, or a key that disagrees with the content, is no record. */
export function parseRecord(text: string, service: string, nodeId: string): NodeRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.service !== service) return undefined;
  const { version, endpoints, node, expiresAt } = value;
  if (typeof version !== "string" || typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return undefined;
  if (!Array.isArray(endpoints) || !endpoints.every(isEndpoint)) return undefined;
  const parsedNode = parseNode(node);
  if (!parsedNode || parsedNode.id !== nodeId) return undefined;
  return { service, version, endpoints, node: parsedNode, expiresAt };
}

function parseNode(value: unknown): Node | undefined {
  if (!isObject(value) || typeof value.id !== "string" || typeof value.address !== "string") return undefined;
  if (!isStringRecord(value.metadata)) return undefined;
  return { id: value.id, address: value.address, metadata: value.metadata };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/** An endpoint's shape; what its metadata means is for its readers to check. */
function isEndpoint(value: unknown): value is Endpoint {
  return isObject(value) && typeof value.name === "string" && isObject(value.request) && isObject(value.response) && isObject(value.metadata);
}

/** The longest delay a Node timer takes; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long until the soonest of `known` expires (a millisecond past it, so it has), for a tail's
 * expiry timer; undefined when nothing is known.
 */
export function delayUntilNextExpiry(known: Iterable<{ readonly record: NodeRecord }>, now = Date.now()): number | undefined {
  let soonest = Infinity;
  for (const { record } of known) soonest = Math.min(soonest, record.expiresAt);
  if (soonest === Infinity) return undefined;
  return Math.min(Math.max(soonest - now + 1, 0), MAX_TIMER_MS);
}
