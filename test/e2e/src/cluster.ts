/**
 * `npm run start:cluster` as a test starts it: the script itself, as a process, on fresh
 * PostgreSQL databases (a unique prefix) and a private NATS registry bucket, so parallel runs and
 * a developer's own cluster never see each other; all of it removed on close.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { testDatabaseUrl } from "@gw/database/testing";
import { testNatsUrl } from "@gw/micro/nats/testing";
import pg from "pg";
import { waitFor } from "@gw/micro/testing";
import { ROOT, SERVICES, freePort } from "./harness.js";

export interface Cluster {
  readonly url: string;
  readonly bucket: string;
  readonly natsUrl: string;
  output(): string;
  close(): Promise<void>;
}

export async function startCluster(transport: "nats" | "http", extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const id = randomBytes(4).toString("hex");
  const prefix = `test_${id}_`;
  const bucket = `test_registry_${id}`;
  const port = await freePort();
  const natsUrl = testNatsUrl();
  let output = "";
  const child = spawn(process.execPath, [join(ROOT, "scripts", "cluster.mjs")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      CLUSTER_POSTGRES_URL: serverUrl(testDatabaseUrl()),
      CLUSTER_DATABASE_PREFIX: prefix,
      NATS_URL: natsUrl,
      MICRO_TRANSPORT: transport,
      MICRO_REGISTRY_BUCKET: bucket,
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      RATE_LIMIT_MAX: "1000000",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const cluster: Cluster = {
    url: `http://127.0.0.1:${port}`,
    bucket,
    natsUrl,
    output: () => output,
    close: () => closeCluster(child, exited, prefix, bucket, natsUrl),
  };
  try {
    await waitReady(cluster.url, exited);
  } catch (error) {
    await cluster.close();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return cluster;
}

async function waitReady(url: string, exited: Promise<number | null>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const outcome = await waitFor(async () => (gone ? "exited" : (await fetch(`${url}/ready`).then((r) => r.status, () => 0)) === 200 ? "ready" : undefined), {
    timeoutMs: 120_000,
    intervalMs: 200,
  }).catch(() => "timed out");
  if (outcome !== "ready") throw new Error(outcome === "exited" ? "start:cluster exited before it was ready" : "start:cluster was not ready in 120 s");
}

async function closeCluster(child: ChildProcess, exited: Promise<number | null>, prefix: string, bucket: string, natsUrl: string): Promise<void> {
  if (child.exitCode === null) child.kill("SIGINT");
  await exited;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    for (const s of SERVICES) await client.query(`DROP DATABASE IF EXISTS "${prefix}${s}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await deleteBucket(natsUrl, bucket);
}

/** Removes a registry bucket's stream, so test runs leave nothing behind in NATS. */
export async function deleteBucket(natsUrl: string, bucket: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** The test database URL without its database name: start:cluster names its own. */
function serverUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "";
  return u.toString().replace(/\/$/, "");
}
