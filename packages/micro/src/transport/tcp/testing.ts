/**
 * Helpers for the TCP transport's tests: a free port, a raw frame-level peer to send what our own
 * client never would (garbage, oversize frames, requests that cross a GOAWAY), and a node in a
 * child process that a test can kill outright, as a crash would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type Socket, connect } from "node:net";
import { createInterface } from "node:readline";
import { ERROR, GOAWAY, REFUSED, RESPONSE } from "./frame.js";
import { FrameReader } from "./reader.js";

/** A connection that speaks frames by hand: what it is sent back is collected in order. */
export class RawPeer {
  readonly frames: Buffer[] = [];
  readonly closed: Promise<void>;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    const reader = new FrameReader(
      {
        frame: (frame) => this.arrived(Buffer.from(frame)),
        tooLarge: () => socket.destroy(),
        malformed: () => socket.destroy(),
      },
      new Set([RESPONSE, ERROR, REFUSED, GOAWAY]),
    );
    socket.on("data", (chunk: Buffer) => reader.push(chunk));
    socket.on("error", () => undefined);
    this.closed = once(socket, "close").then(() => this.wake?.());
  }

  static async open(address: string): Promise<RawPeer> {
    const [host, port] = address.split(":");
    const socket = connect({ host, port: Number(port) });
    await once(socket, "connect");
    return new RawPeer(socket);
  }

  write(data: Uint8Array | readonly Uint8Array[]): void {
    for (const part of Array.isArray(data) ? data : [data]) this.socket.write(part);
  }

  /** Resolves once `count` frames have arrived; rejects if the connection closes first. */
  async received(count: number, timeoutMs = 5000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (this.socket.destroyed) throw new Error(`connection closed after ${this.frames.length} of ${count} frames`);
      if (Date.now() > deadline) throw new Error(`timed out after ${this.frames.length} of ${count} frames`);
      // Woken by the next frame; the 20 ms bound only lets a close or the deadline be noticed.
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.frames.slice(0, count);
  }

  private arrived(frame: Buffer): void {
    this.frames.push(frame);
    this.wake?.();
  }
}

/**
 * A node in its own process on `address` whose handler never answers, and prints `arrived` when a
 * call reaches it, so a test knows the call is in flight before killing it.
 */
export async function hangingNodeProcess(address: string): Promise<ChildProcess> {
  const module = new URL("./index.js", import.meta.url).href;
  const script = [
    `import { TcpTransport } from ${JSON.stringify(module)};`,
    `await new TcpTransport().listen(process.env.NODE_ADDRESS, () => {`,
    `  process.stdout.write("arrived\\n");`,
    `  return new Promise(() => {});`,
    `});`,
    `process.stdout.write("listening\\n");`,
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, NODE_ADDRESS: address },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await nextLine(child, "listening");
  return child;
}

/** Resolves when the child prints `line`; rejects when it exits first. */
export function nextLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const onExit = (code: number | null): void => reject(new Error(`node process exited (${code}) before "${line}"`));
    child.once("exit", onExit);
    lines.on("line", (text) => {
      if (text !== line) return;
      child.off("exit", onExit);
      lines.close();
      resolve();
    });
  });
}
