/**
 * Start-up failures with real parts: a real socket's failed listen becomes one line naming the
 * variable to change, and a program that cannot start prints exactly that line and exits 1.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type Server, createServer } from "node:net";
import { describe, it } from "node:test";
import { ConfigError } from "../config/index.js";
import { StartupError, listenFailure, startupFailureLine } from "./index.js";

/** What a real `listen` on `host:port` rejects with. */
async function listenError(host: string, port: number): Promise<unknown> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    return error;
  } finally {
    server.close();
  }
  throw new Error(`listening on ${host}:${port} succeeded`);
}

async function occupied(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe("startup", () => {
  it("startup - a taken port becomes one line naming the port's variable", async () => {
    const { server, port } = await occupied();
    try {
      const error = listenFailure(await listenError("127.0.0.1", port), {
        program: "gateway",
        address: `127.0.0.1:${port}`,
        variable: "PORT",
        hostVariable: "HOST",
      });
      assert.ok(error instanceof StartupError);
      assert.equal(
        startupFailureLine("gateway", error),
        `gateway: cannot listen on 127.0.0.1:${port}: address already in use; is another gateway running? set PORT to a free port`,
      );
    } finally {
      server.close();
    }
  });

  it("startup - a taken address set by one variable names that variable and port 0", async () => {
    const { server, port } = await occupied();
    try {
      const error = listenFailure(await listenError("127.0.0.1", port), { program: "users", address: `127.0.0.1:${port}`, variable: "MICRO_ADMIN_ADDRESS" });
      assert.match(startupFailureLine("users", error), /^users: cannot listen on 127\.0\.0\.1:\d+: address already in use; .* set MICRO_ADMIN_ADDRESS to a free port \(port 0: any\)$/);
    } finally {
      server.close();
    }
  });

  it("startup - a host that does not resolve names the host's variable", async () => {
    const error = listenFailure(await listenError("no-such-host.invalid", 0), { program: "gateway", address: "no-such-host.invalid:8080", variable: "PORT", hostVariable: "HOST" });
    assert.match(
      startupFailureLine("gateway", error),
      /^gateway: cannot listen on no-such-host\.invalid:8080: the host "no-such-host\.invalid" does not resolve \(E[A-Z_]+\); set HOST to a name or address of this machine, e\.g\. 127\.0\.0\.1 or 0\.0\.0\.0$/,
    );
  });

  it("startup - an error that is not a socket's is passed through, and printed on one line", () => {
    const other = new Error("NATS unavailable\n    at somewhere (file.js:1:1)");
    assert.equal(listenFailure(other, { program: "users", address: "127.0.0.1:0", variable: "MICRO_SERVER_ADDRESS" }), other);
    assert.equal(startupFailureLine("users", other), "users: cannot start: NATS unavailable at somewhere (file.js:1:1)");
    assert.equal(startupFailureLine("users", new ConfigError("PORT", "a port", "x")), 'users: configuration error: PORT: expected a port, got "x"');
    assert.equal(new StartupError("two\nlines").message, "two lines");
  });

  it("startup - exitOnStartupFailure prints one line, flushes the log and exits 1 under a top-level await", () => {
    const micro = new URL("../index.js", import.meta.url).href;
    const code = [
      `import { StartupError, createLogger, exitOnStartupFailure } from ${JSON.stringify(micro)};`,
      `const logger = createLogger("demo", "info");`,
      `logger.info("before the failure");`,
      `await exitOnStartupFailure("demo", new StartupError("cannot listen on 127.0.0.1:1: reason"), logger);`,
      `console.log("still running");`,
    ].join("\n");
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 10_000 });
    assert.equal(child.status, 1, child.stderr);
    assert.equal(child.stderr, "demo: cannot listen on 127.0.0.1:1: reason\n");
    assert.match(child.stdout, /before the failure/, "the log line written before the failure is flushed");
    assert.doesNotMatch(child.stdout, /still running/);
  });
});
