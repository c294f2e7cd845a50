/**
 * A program that its registry or NATS refuses (an unsafe registry folder, a wrong NATS credential,
 * a certificate that does not verify) cannot do anything useful, and retrying will not change
 * that: it stops with one line saying why, instead of a stack trace or an endless retry loop.
 */
import { type Logger, exitAfterFlush } from "../logger/index.js";
import { NatsRefusedError } from "../nats/security.js";
import { RegistryRefusedError } from "../registry/index.js";

export function isRefusal(error: unknown): error is RegistryRefusedError | NatsRefusedError {
  return error instanceof RegistryRefusedError || error instanceof NatsRefusedError;
}

/**
 * For a start-up failure: a refusal prints `<program>: <reason>` and exits 1, and the returned
 * promise never settles; anything else is rethrown to the caller unchanged.
 */
export function exitIfRefused(program: string, logger: Logger, error: unknown): Promise<never> {
  if (!isRefusal(error)) throw error;
  logger.fatal({ err: error }, error.message);
  process.stderr.write(`${program}: ${error.message}\n`);
  exitAfterFlush(logger, 1);
  return new Promise<never>(() => {});
}
