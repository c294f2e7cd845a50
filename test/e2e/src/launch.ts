/**
 * `npm start` (scripts/start.mjs) and single programs as processes, for tests of how they start
 * and how they fail to: a private data folder, registry folder and port unless told otherwise,
 * and what they printed, stdout and stderr apart.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { waitFor } from "@gw/micro/testing";
import { type Program, ROOT, entryOf } from "./harness.js";

/** A launcher's own stop timeout is 15 s: past this, it is not stopping by itself. */
const STOP_WAIT_MS = 20_000;

export interface Run {
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in stdout or stderr; rejects with both when the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /**
   * SIGTERMs the process if it still runs (a launcher then stops its programs) and waits for it
   * to go; SIGKILLs it after `STOP_WAIT_MS`.
   */
  stop(): Promise<void>;
}

/** Runs `node <args>` in the project root with exactly `env` (plus PATH). */
export function runNode(args: readonly string[], env: Readonly<Record<string, string>>): Run {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  // "close": every byte of stdout and stderr has been read by then.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs = 90_000) {
      // Stops at the first of: the pattern printed, the process gone, the time up.
      const outcome = await waitFor(() => (pattern.test(out + err) ? "matched" : gone ? "exited" : undefined), { timeoutMs, intervalMs: 100 }).catch(
        () => "timed out",
      );
      if (outcome !== "matched") throw new Error(`${outcome} before ${pattern}\n--- stdout\n${out}\n--- stderr\n${err}`);
    },
    async stop() {
      if (gone) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_WAIT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `npm start -- <programs>` as a user runs it, without npm in between. */
export function runStart(programs: readonly Program[], env: Readonly<Record<string, string>>): Run {
  return runNode([join(ROOT, "scripts", "start.mjs"), ...programs], env);
}

/** One program, `node <program>/dist/main.js`. */
export function runProgram(program: Program, env: Readonly<Record<string, string>>): Run {
  return runNode([join(ROOT, entryOf(program))], env);
}

/** The lines of `text` with something on them. */
export function meaningfulLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}
