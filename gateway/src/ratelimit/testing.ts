/**
 * Helpers for tests that use a real Redis, modelled on `requirePostgres` (packages/database).
 *
 * docs/architecture.md, "How it is tested": on CI the real servers are required, so a test that needs Redis FAILS there
 * when it is missing; on a developer machine without it the test is skipped, with the reason.
 * The server is `TEST_REDIS_URL`, by default the local one.
 */
import { randomBytes } from "node:crypto";
import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";
import { redactedUrl, requireOrSkip } from "@gw/micro/testing";

export const DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379";

/** How long `redisAvailable` waits for the server before answering no. */
const PROBE_TIMEOUT_MS = 2_000;

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
}

/** A client that tries once and gives up, for probing and cleaning up. */
function oneShotClient(): Redis {
  const client = new Redis(testRedisUrl(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined); // a refused connection is the answer, not a crash
  return client;
}

/** True when the test server answers PING within two seconds. */
export async function redisAvailable(): Promise<boolean> {
  const client = oneShotClient();
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Call first in a test that needs Redis: resolves true when it is reachable. Otherwise it throws
 * when `CI=true` (the test fails), or marks the test skipped and resolves false, after which the
 * test should return: `if (!(await requireRedis(t))) return;`.
 */
export async function requireRedis(t: Pick<TestContext, "skip">): Promise<boolean> {
  return requireOrSkip(t, await redisAvailable(), `Redis not reachable at ${redactedUrl(testRedisUrl(), "TEST_REDIS_URL")} (set TEST_REDIS_URL)`);
}

/** A key prefix no other test (or run) uses, so tests sharing one Redis never share budgets. */
export function uniqueKeyPrefix(): string {
  return `test:ratelimit:${randomBytes(6).toString("hex")}`;
}

/** The keys under `prefix` (the limiter writes `<prefix>:<caller key>`). */
export async function keysUnder(prefix: string): Promise<string[]> {
  const client = oneShotClient();
  try {
    await client.connect();
    return await client.keys(`${prefix}:*`);
  } finally {
    client.disconnect();
  }
}

/** Removes every key under `prefix`; for `t.after`. */
export async function deleteKeysUnder(prefix: string): Promise<void> {
  const client = oneShotClient();
  try {
    await client.connect();
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/** A TCP proxy to the test Redis that a test can cut, as a network failure or a Redis crash would. */
export interface RedisProxy {
  /** The test Redis's URL with the proxy's address. */
  readonly url: string;
  /** Stops accepting and drops every connection. */
  cut(): Promise<void>;
}

export async function redisProxy(): Promise<RedisProxy> {
  const target = new URL(testRedisUrl());
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("error", () => undefined); // the cut resets connections on purpose
    socket.on("close", () => sockets.delete(socket));
  };
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || "6379"), target.hostname);
    track(inbound);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = new URL(target);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((server.address() as AddressInfo).port);
  const cut = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return { url: proxied.toString(), cut };
}

/** A local port with nothing listening on it: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

