/**
 * The orders invariants, checked against the orders database itself after the load stopped:
 * every acknowledged order (a 201) exists exactly once, under its idempotency key; and every order
 * request that got no right answer, retried with the same key and body, returns the order its key
 * already holds or creates it once, never a second one.
 *
 * The orders table has no key column: `idempotency_keys` maps (scope, key) to the answered order
 * (its JSON, with the id). With auth off every key's scope is `anonymous`. Every order this suite
 * makes carries a key, so an order row no key points at is one made twice.
 */
import pg from "pg";
import { send } from "../http.js";
import type { Sample } from "./load.js";
import type { OrderBody } from "./mix.js";

/** How many retries run at once. */
const RETRY_CONCURRENCY = 16;
/**
 * How long the retries may keep meeting 5xx answers: an open circuit breaker still refuses for a
 * while after the system is ready. Past it a retry counts as failed: its outcome is unknown.
 */
const RETRY_DEADLINE_MS = 60_000;
const RETRY_PAUSE_MS = 250;
/** One retry's answer may take this long: past the programs' 5 s call deadline, the gateway is hung. */
const RETRY_TIMEOUT_MS = 15_000;
const PROBLEM_LINES = 20;

export interface OrdersCheck {
  /** POST /orders answered 201 with the order sent. */
  readonly acknowledged: number;
  /** Acknowledged orders that are missing, or that their key does not point at. */
  readonly lost: number;
  /** Orders made a second time: rows no key points at, rows two keys point at, retries answered with another order. */
  readonly doubled: number;
  /** POST /orders without a right answer. */
  readonly unanswered: number;
  /** Of those, the ones whose order had been committed all the same (the retry must return it). */
  readonly unansweredThenFound: number;
  /** Retries that got no 201: a 4xx, or only 5xx answers until RETRY_DEADLINE_MS passed. */
  readonly retriesFailed: number;
  /** One line per violation, for the report. */
  readonly problems: readonly string[];
}

interface Snapshot {
  /** Key to the id of the order it answered; null while claimed without an order. */
  readonly keys: ReadonlyMap<string, number | null>;
  readonly orderIds: ReadonlySet<number>;
}

type Post = Sample & { readonly key: string; readonly body: OrderBody };

/** The violations found so far, counted and described. */
class Tally {
  lost = 0;
  doubled = 0;
  retriesFailed = 0;
  readonly problems: string[] = [];

  add(kind: "lost" | "doubled" | "retriesFailed", problem: string): void {
    this[kind]++;
    this.problems.push(problem);
  }

  /** The first PROBLEM_LINES lines: the counts say how many there were, a few lines what they look like. */
  shown(): string[] {
    const n = this.problems.length;
    return n > PROBLEM_LINES ? [...this.problems.slice(0, PROBLEM_LINES), `… and ${n - PROBLEM_LINES} more`] : [...this.problems];
  }
}

export async function checkOrders(databaseUrl: string, gatewayUrl: string, samples: readonly Sample[]): Promise<OrdersCheck> {
  const posts = samples.flatMap((s): Post[] => (s.request.kind === "create-order" ? [{ ...s, key: s.request.key, body: s.request.body }] : []));
  const acked = posts.filter((p) => p.ok);
  const unanswered = posts.filter((p) => !p.ok);
  const committed = await snapshot(databaseUrl);
  const deadline = Date.now() + RETRY_DEADLINE_MS;
  const retries = await inPool(unanswered, RETRY_CONCURRENCY, (p) => retry(gatewayUrl, p.key, p.body, deadline));
  const final = await snapshot(databaseUrl);

  const tally = new Tally();
  unanswered.forEach((p, i) => judgeRetry(tally, p.key, retries[i] ?? "not retried", committed, final));
  for (const p of acked) judgeAcknowledged(tally, p, final);
  for (const line of madeTwice(final)) tally.add("doubled", line);
  for (const [key, id] of final.keys) if (id === null) tally.problems.push(`key ${key} is claimed without an order`);
  return {
    acknowledged: acked.length,
    lost: tally.lost,
    doubled: tally.doubled,
    unanswered: unanswered.length,
    unansweredThenFound: unanswered.filter((p) => typeof committed.keys.get(p.key) === "number").length,
    retriesFailed: tally.retriesFailed,
    problems: tally.shown(),
  };
}

/** A retry must answer the order its key held before it, or one it then holds; its 201 acknowledges it. */
function judgeRetry(tally: Tally, key: string, answer: number | string, committed: Snapshot, final: Snapshot): void {
  const before = committed.keys.get(key);
  if (typeof answer !== "number") tally.add("retriesFailed", `retry of ${key}: ${answer}`);
  else if (typeof before === "number" && answer !== before) tally.add("doubled", `retry of ${key} answered order ${answer}, but the key held order ${before}`);
  else if (final.keys.get(key) !== answer || !final.orderIds.has(answer)) tally.add("lost", `retry of ${key} answered order ${answer}, which its key does not hold`);
}

function judgeAcknowledged(tally: Tally, p: Post, final: Snapshot): void {
  const held = final.keys.get(p.key);
  const exists = p.orderId !== undefined && final.orderIds.has(p.orderId);
  if (exists && held === p.orderId) return;
  const why = held === undefined ? "its key is not stored" : !exists ? "no such order" : `the key holds order ${held}`;
  tally.add("lost", `acknowledged order ${p.orderId} (${p.key}): ${why}`);
}

/** Orders no key points at, and orders more than one key points at. */
function madeTwice(s: Snapshot): string[] {
  const keysPerOrder = new Map<number, number>();
  for (const id of s.keys.values()) if (id !== null) keysPerOrder.set(id, (keysPerOrder.get(id) ?? 0) + 1);
  const lines: string[] = [];
  for (const id of s.orderIds) {
    const keys = keysPerOrder.get(id) ?? 0;
    if (keys === 0) lines.push(`order ${id} has no idempotency key: made twice`);
    if (keys > 1) lines.push(`order ${id} is held by ${keys} keys`);
  }
  return lines;
}

async function snapshot(databaseUrl: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const keys = await client.query<{ key: string; order_id: string | null }>(`SELECT key, response->>'id' AS order_id FROM idempotency_keys`);
    const orders = await client.query<{ id: string }>(`SELECT id FROM orders`);
    return {
      keys: new Map(keys.rows.map((r) => [r.key, r.order_id === null ? null : Number(r.order_id)])),
      orderIds: new Set(orders.rows.map((r) => Number(r.id))),
    };
  } finally {
    await client.end();
  }
}

/** The order id a same-key retry answers with, or why there was none: a 4xx, or only failures until `deadline`. */
async function retry(gatewayUrl: string, key: string, body: OrderBody, deadline: number): Promise<number | string> {
  for (;;) {
    const reply = await send(gatewayUrl, "POST", "/orders", body, { headers: { "idempotency-key": key }, timeoutMs: RETRY_TIMEOUT_MS }).catch((e: Error) => e);
    let why: string;
    if (reply instanceof Error) why = reply.message;
    else {
      const id = (reply.body as { order?: { id?: unknown } } | undefined)?.order?.id;
      if (reply.status === 201 && typeof id === "number") return id;
      why = `${reply.status} ${reply.text.slice(0, 200)}`;
      if (reply.status < 500) return why;
    }
    if (Date.now() > deadline) return `${why} (still failing ${RETRY_DEADLINE_MS} ms after the retries began)`;
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
}

/** `work` over `items`, `concurrency` at a time; results in the items' order. */
async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
