/**
 * The distributed topology, started by `npm run start:cluster` itself: every service twice on
 * PostgreSQL, discovery and RPC on NATS. The gateway contract passes against it, and calls spread
 * over every instance on both transports (counted by each instance's own metrics).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { postgresAvailable } from "@gw/database/testing";
import { NatsRegistry } from "@gw/micro/nats";
import { natsAvailable } from "@gw/micro/nats/testing";
import { type Cluster, startCluster } from "./cluster.js";
import { gatewayContract } from "./contract.js";
import { send } from "./http.js";

const missing = [(await postgresAvailable()) ? undefined : "PostgreSQL", (await natsAvailable()) ? undefined : "NATS"].filter(Boolean);
const skip = missing.length > 0 ? `${missing.join(" and ")} not reachable (CI=true makes this a failure)` : false;

if (skip && process.env.CI === "true") {
  test("cluster - PostgreSQL and NATS are required on CI", () => assert.fail(`${missing.join(" and ")} not reachable`));
} else {
  gatewayContract("cluster on NATS, two instances of each service", () => startCluster("nats"), { skip });

  describe("cluster - load balancing", { skip }, () => {
    for (const transport of ["nats", "http"] as const) {
      test(`cluster - calls spread over both users instances (${transport} transport)`, async (t) => {
        const cluster = await startCluster(transport);
        try {
          const before = await callsPerInstance(cluster);
          for (let i = 0; i < 100; i++) assert.equal((await send(cluster.url, "GET", `/users?id=${(i % 3) + 1}`)).status, 200);
          const after = await callsPerInstance(cluster);
          const served = [...after].map(([node, n]) => n - (before.get(node) ?? 0));
          t.diagnostic(`UsersService.Get per instance over 100 calls (${transport}): ${served.join(", ")}`);
          assert.equal(served.length, 2, "two users instances registered");
          assert.equal(served.reduce((a, b) => a + b, 0), 100);
          for (const n of served) assert.ok(n >= 30, `each instance served a fair share: ${served.join(", ")}`);
        } finally {
          await cluster.close();
        }
      });
    }
  });
}

/** UsersService.Get calls served, per users node, read from each node's admin /metrics. */
async function callsPerInstance(cluster: Cluster): Promise<Map<string, number>> {
  const registry = new NatsRegistry({ servers: cluster.natsUrl, bucket: cluster.bucket });
  try {
    const nodes = (await registry.getService("users")).flatMap((s) => s.nodes);
    const counts = new Map<string, number>();
    for (const node of nodes) {
      const text = (await send(`http://${node.metadata.admin}`, "GET", "/metrics")).text;
      const total = text
        .split("\n")
        .filter((line) => line.startsWith("micro_server_requests_total{") && line.includes('endpoint="UsersService.Get"'))
        .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
      counts.set(node.id, total);
    }
    return counts;
  } finally {
    await registry.close();
  }
}
