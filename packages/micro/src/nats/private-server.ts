/**
 * A private `nats-server` for tests, started from a configuration of the test's own (users,
 * tokens, NKeys, TLS), on a port the server picks, with its files in a temp folder, so a test can
 * require credentials without touching the machine's shared NATS. Not exported by the package
 * root: for tests only. The binary is `nats-server` on PATH, else the Debian package's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** How long the server may take to say it listens. */
const START_TIMEOUT_MS = 20_000;
/** What nats-server logs once it accepts clients, with the port it picked for `port: -1`. */
const LISTENING = /Listening for client connections on [^\s]*:(\d+)/;

export interface PrivateNats {
  /** `nats://127.0.0.1:<port>`; `tls://` for the same server when TLS is configured. */
  readonly url: string;
  readonly port: number;
  /** Where the configuration was written, for certificates and credentials beside it. */
  readonly dir: string;
  close(): Promise<void>;
}

/** The nats-server binary, or undefined when it is not installed. */
export function natsServerBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), "/usr/sbin"];
  return dirs.map((dir) => join(dir, "nats-server")).find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts nats-server with `config` (its listen address and store folder are added here) and
 * resolves once it listens. `dir` is an existing folder to keep files in; a new one by default.
 */
export async function startPrivateNats(config: string, options: { dir?: string; jetstream?: boolean } = {}): Promise<PrivateNats> {
  const binary = natsServerBinary();
  if (!binary) throw new Error("nats-server is not installed (PATH or /usr/sbin)");
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "micro-nats-")));
  const store = options.jetstream === false ? "" : `jetstream { store_dir: ${JSON.stringify(join(dir, "js"))} }\n`;
  const file = join(dir, "nats.conf");
  await writeFile(file, `host: 127.0.0.1\nport: -1\n${store}${config}\n`);
  const child = spawn(binary, ["-c", file], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let port: number;
  try {
    port = await listeningPort(child);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const close = async (): Promise<void> => {
    child.kill("SIGTERM");
    await exited;
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  };
  process.once("exit", () => child.kill("SIGKILL"));
  return { url: `nats://127.0.0.1:${port}`, port, dir, close };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`nats-server did not listen within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${String(code)}:\n${output}`));
    });
  });
}
