/**
 * SQL spans: every query a service runs becomes a CLIENT span, a child of the call it is made for
 * (`QueryOptions.context`, the RPC being served), named by its operation and table as
 * OpenTelemetry's database conventions suggest. Statement text is recorded; parameter values are
 * not, as they may be personal data.
 */
import { type Context, SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { type CallContext, contextFromMetadata, spansRecorded } from "@gw/micro";
import type { Database, PoolStats, QueryOptions, Queryable, Row, Transaction } from "./index.js";

const tracer = trace.getTracer("@gw/database");

/** `SELECT users`, `INSERT orders`, … from the statement's first keyword and table. */
export function spanName(sql: string): string {
  const text = sql.trim().replace(/\s+/g, " ");
  const operation = (text.split(" ", 1)[0] ?? "SQL").toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE|JOIN)\s+([A-Za-z_][\w.]*)/i.exec(text)?.[1];
  return table ? `${operation} ${table}` : operation;
}

/** Names by statement: a service runs a handful of statements, millions of times. */
const names = new Map<string, string>();

function cachedSpanName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = spanName(sql);
    // Statements are the services' own constants; the bound only matters if one builds SQL text.
    if (names.size < 1000) names.set(sql, name);
  }
  return name;
}

/**
 * The query inside a span; a query has no children, so its span is never made the active one.
 * `options` are the statement's own, `transaction` those of the transaction it runs in.
 */
function inSpan<T>(system: string, sql: string, run: () => Promise<T>, options?: QueryOptions, transaction?: QueryOptions): Promise<T> {
  // Nothing is recorded in this process (no exporter): a span would only be thrown away.
  if (!spansRecorded()) return run();
  const span = tracer.startSpan(
    cachedSpanName(sql),
    { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql", "db.statement": sql, "db.driver": system } },
    parentOf(options?.context ?? transaction?.context),
  );
  // Not sampled: nothing to end or mark.
  if (!span.isRecording()) return run();
  return run().then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? "error" });
      span.end();
      throw error;
    },
  );
}

/**
 * The call's span, from the `traceparent` the server middleware put in its metadata. Without a
 * call (code outside any handler) the active span, which is none unless a context manager is set.
 */
function parentOf(call: CallContext | undefined): Context {
  return call ? contextFromMetadata(call.metadata) : context.active();
}

function tracedQueryable(system: string, inner: Queryable, transaction?: QueryOptions): Queryable {
  return {
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) =>
      inSpan(system, sql, () => inner.query<R>(sql, params, options), options, transaction),
  };
}

/** `tx` with spans: a statement that names no call of its own belongs to the transaction's. */
function tracedTransaction(system: string, tx: Transaction, options: QueryOptions | undefined): Transaction {
  return { ...tracedQueryable(system, tx, options), exec: (sql: string) => inSpan(system, sql, () => tx.exec(sql), options) };
}

/** `db` with a span around every query, including those inside transactions. */
export function traced(db: Database): Database {
  return {
    kind: db.kind,
    ...tracedQueryable(db.kind, db),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>, options?: QueryOptions) =>
      db.transaction((tx) => fn(tracedTransaction(db.kind, tx, options)), options),
    ping: () => db.ping(),
    stats: (): PoolStats => db.stats(),
    close: () => db.close(),
  };
}
