/**
 * Just enough of the NATS text protocol for the benchmark's housekeeping: is a server with
 * JetStream there, and delete a registry bucket's stream afterwards. The programs under test bring
 * their own client; the bench speaks three verbs over a socket rather than take a dependency.
 */
import { Socket, connect } from "node:net";

/** How long a probe or a delete waits for the server. */
const TIMEOUT_MS = 2_000;

/** Undefined when NATS with JetStream answers at `url`, else why not (without credentials). */
export async function probeNats(url: string): Promise<string | undefined> {
  const where = hostOf(url);
  try {
    const info = await session(url, async () => undefined);
    return info.jetstream === true ? undefined : `NATS at ${where} has no JetStream (start it with -js)`;
  } catch (error) {
    return `NATS not reachable at ${where} (${(error as Error).message})`;
  }
}

/**
 * Deletes the KV bucket's stream (`KV_<bucket>`), so repeated runs leave nothing behind in NATS.
 * A failure is not worth failing a finished benchmark for: the bucket's entries expire anyway.
 */
export async function deleteBucket(url: string, bucket: string): Promise<void> {
  await session(url, (socket, lines) => {
    const inbox = `_INBOX.bench.${process.pid}.${Date.now()}`;
    socket.write(`SUB ${inbox} 1\r\nPUB $JS.API.STREAM.DELETE.KV_${bucket} ${inbox} 0\r\n\r\n`);
    return lines((line) => line.startsWith("MSG ") || line.startsWith("-ERR"));
  }).catch(() => undefined);
}

type Lines = (done: (line: string) => boolean) => Promise<void>;

/** Connects, reads INFO, sends CONNECT, runs `body`, closes; resolves the server's INFO. */
function session(url: string, body: (socket: Socket, lines: Lines) => Promise<void>): Promise<{ jetstream?: unknown }> {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port || 4222) });
  socket.setEncoding("utf8");
  socket.setTimeout(TIMEOUT_MS);
  let buffered = "";
  let waiter: ((line: string) => void) | undefined;
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === "PING") socket.write("PONG\r\n");
      waiter?.(line);
    }
  });
  const failed = new Promise<never>((_, reject) => {
    socket.once("error", reject);
    socket.once("timeout", () => reject(new Error("timed out")));
    socket.once("close", () => reject(new Error("connection closed")));
  });
  failed.catch(() => undefined); // closing after a finished session rejects it, and that is fine
  const lines: Lines = (done) =>
    Promise.race([failed, new Promise<void>((resolve) => (waiter = (line) => done(line) && resolve()))]);
  const run = async () => {
    let info = "";
    await lines((line) => {
      info = line;
      return line.startsWith("INFO ");
    });
    const parsed = JSON.parse(info.slice(5)) as { jetstream?: unknown };
    const auth = target.username ? { user: decodeURIComponent(target.username), pass: decodeURIComponent(target.password) } : {};
    socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: false, lang: "bench", version: "1", ...auth })}\r\n`);
    await body(socket, lines);
    return parsed;
  };
  return run().finally(() => socket.destroy());
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparseable URL)";
  }
}
