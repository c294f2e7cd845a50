#!/usr/bin/env node
/**
 * `micro`: the project's command line, in go-micro's shape, one module per command
 * (commands/). `npm run micro -- <command>` builds what is missing first (scripts/micro.mjs).
 * A mistake in the arguments, or a failure outside them (an unreachable registry), is one line on
 * stderr and exit code 1; anything else unexpected too, unless LOG_LEVEL=debug asks for the stack.
 */
import { ROOT } from "../../scripts/programs.mjs";
import { Failure, type Io, UsageError } from "./commands/command.js";
import { COMMANDS } from "./commands/index.js";

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function help(): string {
  return ["usage: micro <command>", "", ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`])].join("\n");
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
let code: number;
try {
  code = await command.run(args, { root: ROOT, io, env: process.env });
} catch (error) {
  if (error instanceof UsageError) io.err(`micro ${error.message}`);
  else if (error instanceof Failure) io.err(`micro: ${error.message}`);
  else if (process.env.LOG_LEVEL === "debug") io.err(`micro ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  else io.err(`micro ${name}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : String(error)} (LOG_LEVEL=debug shows more)`);
  code = 1;
}
// A command is one shot: what its clients may still hold open (a NATS connection draining, a
// keep-alive socket) must not keep the terminal waiting. stdout and stderr are written
// synchronously to files and pipes, so nothing printed is lost.
process.exit(code);
