/**
 * What every `micro` command is: a name, one line of help, and a run that returns the exit code.
 * A command writes its output through `io`, so tests read what it said.
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface CommandContext {
  /** The project's root folder, the one holding services/ and gateway/. */
  readonly root: string;
  readonly io: Io;
  /** The environment the command reads (`MICRO_*`, `AUTH`…). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  readonly name: string;
  /** `new <name>`: the arguments it takes. */
  readonly usage: string;
  readonly summary: string;
  run(args: readonly string[], context: CommandContext): Promise<number>;
}

/** A mistake of the caller's, told as one line, exit code 1 (main.ts prints it). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A command could not do its work for a reason outside the arguments (an unreachable registry, a
 * missing secret): one line, `micro: <message>`, exit code 1 (main.ts prints it).
 */
export class Failure extends Error {
  override name = "Failure";
}
