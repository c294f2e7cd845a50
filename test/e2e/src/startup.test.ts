/**
 * Programs that cannot start, run as processes: a taken port, a host that does not resolve, a
 * malformed address. Each prints exactly one line on stderr naming the variable to change, no
 * stack trace, and exits 1.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Program } from "./harness.js";
import { meaningfulLines, runProgram } from "./launch.js";

const EXIT_WAIT_MS = 60_000;

describe("startup - a program that cannot start says why in one line", () => {
  let dir: string;
  let taken: Server;
  let takenPort: number;
  // One data folder for every run, so the users database is created once (each run exits first).
  const env = (extra: Record<string, string>) => ({
    DATA_DIR: join(dir, "data"),
    MICRO_REGISTRY_ADDRESS: join(dir, "registry"),
    // Start-up failures, not credentials, are under test here.
    AUTH: "off",
    ...extra,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gw-startup-"));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  after(async () => {
    taken?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `program` until it exits; asserts exit 1 and one line on stderr matching `expected`. */
  async function failsWith(program: Program, extra: Record<string, string>, expected: RegExp): Promise<void> {
    const run = runProgram(program, env(extra));
    const timer = setTimeout(() => void run.stop(), EXIT_WAIT_MS);
    try {
      const code = await run.exited;
      const lines = meaningfulLines(run.stderr());
      assert.equal(code, 1, `exit code; stderr:\n${run.stderr()}`);
      assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${run.stderr()}`);
      assert.match(lines[0] as string, expected);
      assert.doesNotMatch(run.stderr(), /\bat .*:\d+:\d+\)?$/m, "no stack trace");
    } finally {
      clearTimeout(timer);
    }
  }

  test("startup - the gateway's PORT in use: one line naming PORT, exit 1", async () => {
    await failsWith(
      "gateway",
      { PORT: String(takenPort) },
      new RegExp(`^gateway: cannot listen on 127\\.0\\.0\\.1:${takenPort}: address already in use; is another gateway running\\? set PORT to a free port$`),
    );
  });

  test("startup - an unresolvable HOST: one line naming HOST, exit 1", async () => {
    await failsWith(
      "gateway",
      { HOST: "no-such-host.invalid", PORT: "0" },
      /^gateway: cannot listen on no-such-host\.invalid:0: the host "no-such-host\.invalid" does not resolve \([A-Z_]+\); set HOST to a name or address of this machine/,
    );
  });

  test("startup - a service's MICRO_SERVER_ADDRESS port in use: one line naming it, exit 1", async () => {
    await failsWith(
      "users",
      { MICRO_SERVER_ADDRESS: `127.0.0.1:${takenPort}` },
      new RegExp(`^users: cannot listen on 127\\.0\\.0\\.1:${takenPort}: address already in use; .*set MICRO_SERVER_ADDRESS to a free port \\(port 0: any\\)$`),
    );
  });

  test("startup - a service's MICRO_ADMIN_ADDRESS port in use: one line naming it, exit 1", async () => {
    await failsWith(
      "users",
      { MICRO_ADMIN_ADDRESS: `127.0.0.1:${takenPort}` },
      new RegExp(`^users: cannot listen on 127\\.0\\.0\\.1:${takenPort}: address already in use; .*set MICRO_ADMIN_ADDRESS to a free port \\(port 0: any\\)$`),
    );
  });

  test("startup - a service's unresolvable MICRO_SERVER_ADDRESS host: one line naming it, exit 1", async () => {
    await failsWith("users", { MICRO_SERVER_ADDRESS: "no-such-host.invalid:0" }, /^users: cannot listen on no-such-host\.invalid:0: the host "no-such-host\.invalid" does not resolve .*set MICRO_SERVER_ADDRESS to/);
  });

  test("startup - a MICRO_SERVER_ADDRESS that is not host:port is a configuration error naming it", async () => {
    await failsWith("orders", { MICRO_SERVER_ADDRESS: "9000" }, /^orders: configuration error: MICRO_SERVER_ADDRESS: expected host:port \(port 0: any free one\), got "9000"$/);
  });
});
