#!/usr/bin/env node
/**
 * `micro`: the project's command line, in go-micro's shape, one module per command
 * (commands/). `npm run micro -- <command>` builds what is missing first (scripts/micro.mjs).
 * A mistake in the arguments is one line on stderr and exit code 1.
 */
import { ROOT } from "../../scripts/programs.mjs";
import { type Io, UsageError } from "./commands/command.js";
import { COMMANDS } from "./commands/index.js";

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return ["usage: micro <command>", "", ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join("\n");
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === "help" || name === "--help" || name === "-h") {
  io.out(help());
  process.exit(name === undefined ? 1 : 0);
}
const command = COMMANDS.find((c) => c.name === name);
if (!command) {
  io.err(`micro: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
  process.exit(1);
}
try {
  process.exitCode = await command.run(args, { root: ROOT, io });
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  io.err(`micro ${error.message}`);
  process.exitCode = 1;
}
