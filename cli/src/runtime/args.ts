/** Argument parsing for the commands: node's parseArgs, its complaints turned into one usage line. */
import { UsageError } from "../commands/command.js";

/** Runs `parse` (a `parseArgs` call, strict, with positionals); what it refuses becomes a usage error. */
export function parsing<T>(command: string, usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\s+/g, " ").replace(/\. To specify a positional.*$/, "") : String(error);
    throw new UsageError(`${command}: ${message}; usage: micro ${usage}`);
  }
}

/** A positive whole number of milliseconds, or a usage error naming the option. */
export function milliseconds(command: string, option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new UsageError(`${command}: ${option} ${JSON.stringify(value)}: expected a positive number of milliseconds`);
  return Number(value);
}
