/**
 * How a program that cannot start says so: one line on stderr, `<program>: <what went wrong>`,
 * and exit code 1. A stack trace tells a user nothing about the port they must change, so the
 * line names the setting; the error itself, stack and cause, is still logged at debug level.
 */
import type { Logger } from "../logger/index.js";

/** How long buffered log lines may take to reach stdout before the program exits anyway. */
const FLUSH_TIMEOUT_MS = 1000;

/** A failure at start whose message is the whole story, one line, naming what to change. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
    this.name = "StartupError";
  }

  /** The text after `<program>: ` on the line a failed start prints. */
  describe(): string {
    return this.message;
  }
}

/**
 * The infrastructure will not have this program, and asking again cannot change that: a registry
 * folder other users could write to, a NATS that refuses the program's credential or its TLS.
 * Retrying forever would hide it; the program stops at start with this one line instead.
 */
export class RefusedError extends StartupError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RefusedError";
  }
}

/** The line a program prints when `error` stops it at start, without the newline. */
export function startupFailureLine(program: string, error: unknown): string {
  if (error instanceof StartupError) return `${program}: ${error.describe()}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${program}: cannot start: ${oneLine(message) || "unknown error"}`;
}

/**
 * Prints the one line for `error`, flushes `logger` and exits 1. The returned promise never
 * settles, so `await exitOnStartupFailure(...)` stops the caller where it is.
 */
export function exitOnStartupFailure(program: string, error: unknown, logger?: Logger): Promise<never> {
  process.stderr.write(`${startupFailureLine(program, error)}\n`);
  if (logger === undefined) process.exit(1);
  logger.debug({ err: error }, "start-up failure");
  const exit = () => process.exit(1);
  // Not unref'd: should the flush never call back, this timer must still end the program; with
  // the loop empty under a pending top-level await, Node would exit 13 with a warning instead.
  setTimeout(exit, FLUSH_TIMEOUT_MS);
  logger.flush(exit);
  return new Promise<never>(() => {});
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
