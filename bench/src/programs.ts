/**
 * Starts a configuration's programs as child processes, waits until it answers its readiness path,
 * and stops them all again (SIGTERM, as an operator would; SIGKILL past a deadline). Their output
 * is kept so a program that fails to start is reported with what it said.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { ProgramSpec } from "./configs.js";

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** Enough of a program's output to show why it failed, not pages of it. */
const KEPT_OUTPUT_CHARS = 4_000;

export interface RunningProgram {
  readonly label: string;
  readonly pid: number;
}

export class Programs {
  private readonly children = new Map<string, ChildProcess>();
  private readonly outputs = new Map<string, string>();

  private constructor(private readonly root: string) {}

  /** Starts `specs` and resolves once `url + readyPath` answers 200; rejects with their output otherwise. */
  static async start(root: string, specs: readonly ProgramSpec[], url: string, readyPath: string, nodeArgs: readonly string[] = []): Promise<Programs> {
    const programs = new Programs(root);
    for (const spec of specs) programs.launch(spec, nodeArgs);
    try {
      await programs.waitReady(`${url}${readyPath}`);
    } catch (error) {
      await programs.stop();
      throw error;
    }
    return programs;
  }

  get running(): RunningProgram[] {
    return [...this.children].flatMap(([label, child]) => (child.pid === undefined ? [] : [{ label, pid: child.pid }]));
  }

  /** SIGTERM to every program, SIGKILL to those still there after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        return exited.finally(() => clearTimeout(timer));
      }),
    );
  }

  private launch(spec: ProgramSpec, nodeArgs: readonly string[]): void {
    const child = spawn(process.execPath, [...nodeArgs, spec.entry], { cwd: this.root, env: { ...spec.env }, stdio: ["ignore", "pipe", "pipe"] });
    this.outputs.set(spec.label, "");
    const keep = (chunk: Buffer) => {
      const text = (this.outputs.get(spec.label) ?? "") + chunk.toString();
      this.outputs.set(spec.label, text.slice(-KEPT_OUTPUT_CHARS));
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.children.set(spec.label, child);
  }

  private async waitReady(url: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const gone = [...this.children].find(([, child]) => child.exitCode !== null || child.signalCode !== null);
      if (gone) throw new Error(`${gone[0]} exited before the configuration was ready (${gone[1].signalCode ?? `code ${gone[1].exitCode}`})\n${this.dump()}`);
      const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s at ${url}\n${this.dump()}`);
  }

  private dump(): string {
    return [...this.outputs].map(([label, text]) => `--- ${label}\n${text.trimEnd()}`).join("\n");
  }
}

/** A port nothing listens on right now, for a configuration's entry point. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no free port");
  return address.port;
}
