/**
 * The benchmark's flags on their own: `--tree NAME=DIR` names another built checkout, and
 * `<config>@NAME` runs that checkout's programs in the same configuration.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UsageError, parseOptions } from "./cli.js";
import { configByName } from "./configs.js";

test("bench - --tree runs another checkout's programs as <config>@NAME, and refuses what it cannot run", async (t) => {
  const before = await mkdtemp(join(tmpdir(), "gw-bench-tree-"));
  t.after(() => rm(before, { recursive: true, force: true }));
  const usage = (argv: string[]) => assert.throws(() => parseOptions(argv, "/repo"), UsageError);
  usage(["--tree", `before=${before}`]);
  await mkdir(join(before, "gateway", "dist"), { recursive: true });
  await writeFile(join(before, "gateway", "dist", "main.js"), "");
  // The tree's own services, read from its folders: not the ones of this checkout.
  for (const s of ["orders", "users"]) {
    await mkdir(join(before, "services", s), { recursive: true });
    await writeFile(join(before, "services", s, "package.json"), "{}");
  }
  const options = parseOptions(["--configs", "distributed-tcp,distributed-tcp@before", "--tree", `before=${before}`], "/repo");
  assert.ok(options !== "help");
  assert.deepEqual(options.trees, { before });
  usage(["--configs", "distributed-tcp@after", "--tree", `before=${before}`]);
  usage(["--configs", "direct@before", "--tree", `before=${before}`]);
  usage(["--tree", "Before=/x"]);
  const launch = configByName("distributed-tcp@before", options.trees).launch({
    root: "/repo",
    runDir: "/tmp/run",
    runId: "r1",
    repeat: 1,
    port: 1234,
    natsUrl: "nats://127.0.0.1:4222",
    databases: { users: "postgres://u", orders: "postgres://o" },
    production: undefined,
  });
  assert.deepEqual(launch.programs.map((p) => p.entry), ["orders", "users"].map((s) => join(before, "services", s, "dist", "main.js")).concat(join(before, "gateway", "dist", "main.js")));
  assert.equal(configByName("distributed-tcp@before", options.trees).name, "distributed-tcp@before");
});
