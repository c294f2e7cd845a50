/**
 * Structured JSON logs with pino: one line per event, the program's name on every line.
 * Lines are written asynchronously: a synchronous write per request blocks the event loop on
 * stdout at every call, while sonic-boom coalesces lines when the program is busy. A program
 * therefore flushes its logger before it exits (`exitAfterFlush`).
 */
import { pino, type Logger, stdTimeFunctions } from "pino";

export type { Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(name: string, level: LogLevel = "info"): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out what the logger still holds, then exits with `code`. */
export function exitAfterFlush(logger: Logger, code: number): void {
  const exit = () => process.exit(code);
  // A broken stdout must not keep a stopping program alive.
  setTimeout(exit, 1000).unref();
  logger.flush(exit);
}
