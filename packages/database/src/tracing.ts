/**
 * SQL spans: every query a service runs becomes a CLIENT span, a child of whatever span is
 * active (the RPC being served), named by its operation and table as OpenTelemetry's database
 * conventions suggest. Statement text is recorded; parameter values are not, as they may be
 * personal data.
 */
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Database, PoolStats, Queryable, Row, Transaction } from "./index.js";

const tracer = trace.getTracer("@gw/database");

/** `SELECT users`, `INSERT orders`, … from the statement's first keyword and table. */
export function spanName(sql: string): string {
  const text = sql.trim().replace(/\s+/g, " ");
  const operation = (text.split(" ", 1)[0] ?? "SQL").toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE|JOIN)\s+([A-Za-z_][\w.]*)/i.exec(text)?.[1];
  return table ? `${operation} ${table}` : operation;
}

async function inSpan<T>(system: string, sql: string, run: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    spanName(sql),
    { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql", "db.statement": sql, "db.driver": system } },
    async (span) => {
      try {
        return await run();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? "error" });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

function tracedQueryable<Q extends Queryable>(system: string, inner: Q): Queryable {
  return {
    query: <R extends Row = Row>(sql: string, params?: readonly unknown[]) => inSpan(system, sql, () => inner.query<R>(sql, params)),
  };
}

/** `db` with a span around every query, including those inside transactions. */
export function traced(db: Database): Database {
  return {
    kind: db.kind,
    ...tracedQueryable(db.kind, db),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      db.transaction((tx) => fn({ ...tracedQueryable(db.kind, tx), exec: (sql: string) => inSpan(db.kind, sql, () => tx.exec(sql)) })),
    ping: () => db.ping(),
    stats: (): PoolStats => db.stats(),
    close: () => db.close(),
  };
}
