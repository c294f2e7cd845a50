/**
 * Helpers for tests that need a real NATS server (with JetStream), mirroring `requirePostgres` in
 * @gw/database's testing module. docs/architecture.md, "How it is tested": on CI NATS is required, so a test that needs
 * it FAILS there when it is missing; on a developer machine without it the test is skipped, with
 * the reason. The server is `TEST_NATS_URL`, by default the local one on the standard port.
 */
import { connect } from "@nats-io/transport-node";
import type { TestContext } from "node:test";
import { redactedUrl, requireOrSkip } from "../testing.js";

export const DEFAULT_TEST_NATS_URL = "nats://127.0.0.1:4222";

/** How long `natsAvailable` waits for the server before answering no. */
const PROBE_TIMEOUT_MS = 2_000;

/** The server tests connect to. */
export function testNatsUrl(): string {
  return process.env.TEST_NATS_URL ?? DEFAULT_TEST_NATS_URL;
}

/** True when the test server accepts a connection and has JetStream (the registry's KV needs it). */
export async function natsAvailable(): Promise<boolean> {
  try {
    // A private connection that never reconnects: a probe must answer, not wait.
    const nc = await connect({ servers: testNatsUrl(), timeout: PROBE_TIMEOUT_MS, reconnect: false });
    try {
      return nc.info?.jetstream === true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** Why a NATS test cannot run, fit for a skip message or a CI log. */
export function natsMissingReason(): string {
  return `NATS with JetStream not reachable at ${redactedUrl(testNatsUrl(), "TEST_NATS_URL")} (set TEST_NATS_URL)`;
}

/**
 * Call first in a test that needs NATS: resolves true when it is reachable. Otherwise it throws
 * when `CI=true` (the test fails), or marks the test skipped and resolves false, after which the
 * test should return: `if (!(await requireNats(t))) return;`.
 */
export async function requireNats(t: Pick<TestContext, "skip">): Promise<boolean> {
  return requireOrSkip(t, await natsAvailable(), natsMissingReason());
}


export { type PrivateNats, natsServerBinary, startPrivateNats } from "./private-server.js";
export { type TestCertificates, makeCertificates } from "./certificates.js";
