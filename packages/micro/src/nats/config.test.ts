/**
 * The MICRO_NATS_* variables as `readMicroEnv` reads them: each credential and the TLS settings
 * reach the registry and transport options, every bad combination or file is one ConfigError
 * naming the variable, and no secret value is ever in that line.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { nkeys } from "@nats-io/transport-node";
import { ConfigError, type Env, EnvReader } from "../config/index.js";
import { readMicroEnv } from "../env.js";
import { makeCertificates } from "./certificates.js";

const NATS: Env = { MICRO_REGISTRY: "nats", MICRO_REGISTRY_ADDRESS: "nats://nats.example:4222" };

function read(env: Env) {
  return readMicroEnv(new EnvReader({ AUTH: "off", ...env })).nats;
}

/** The one line a bad value stops the program with; `secrets` must not be in it. */
function refused(env: Env, variable: string, expected: RegExp, secrets: readonly string[] = []): void {
  assert.throws(
    () => read(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.variable, variable);
      assert.match(error.message, expected);
      for (const secret of secrets) assert.ok(!error.message.includes(secret) && error.got !== secret, `${secret} shown in: ${error.message}`);
      return true;
    },
  );
}

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "micro-nats-config-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("nats config", () => {
  it("nats config - each credential is read into the connection options, and nothing when none is set", () => {
    assert.deepEqual(read(NATS), { auth: undefined, tls: undefined });
    assert.deepEqual(read({ ...NATS, MICRO_NATS_USER: "users", MICRO_NATS_PASSWORD: "pw" }).auth, { kind: "password", user: "users", password: "pw" });
    assert.deepEqual(read({ ...NATS, MICRO_NATS_TOKEN: "t0ken" }).auth, { kind: "token", token: "t0ken" });
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    assert.deepEqual(read({ ...NATS, MICRO_NATS_NKEY_SEED: seed }).auth, { kind: "nkey", seed });
    // Used by the NATS transport alone too, and not read at all when nothing uses NATS.
    assert.deepEqual(read({ MICRO_TRANSPORT: "nats", MICRO_NATS_TOKEN: "t0ken" }).auth, { kind: "token", token: "t0ken" });
    assert.deepEqual(read({ MICRO_NATS_TOKEN: "t0ken", MICRO_NATS_NKEY_SEED: "not a seed" }), {});
  });

  it("nats config - half a credential, two at once or a bad seed is one line that shows no secret", () => {
    refused({ ...NATS, MICRO_NATS_USER: "users" }, "MICRO_NATS_PASSWORD", /^MICRO_NATS_PASSWORD: expected a value when MICRO_NATS_USER is set, got nothing$/);
    refused({ ...NATS, MICRO_NATS_PASSWORD: "pw-secret" }, "MICRO_NATS_USER", /expected a value when MICRO_NATS_PASSWORD is set/, ["pw-secret"]);
    refused({ ...NATS, MICRO_NATS_USER: "u", MICRO_NATS_PASSWORD: "pw-secret", MICRO_NATS_TOKEN: "tok-secret" }, "MICRO_NATS_TOKEN", /one NATS credential.*MICRO_NATS_USER is set too, got a value \(not shown\)$/, ["pw-secret", "tok-secret"]);
    const other = new TextDecoder().decode(nkeys.createAccount().getSeed());
    for (const seed of ["SUnotaseed", other]) {
      refused({ ...NATS, MICRO_NATS_NKEY_SEED: seed }, "MICRO_NATS_NKEY_SEED", /an NKey user seed .*got a value \(not shown\)$/, [seed]);
    }
  });

  it("nats config - a URL carrying credentials is refused and shown without them", () => {
    refused({ ...NATS, MICRO_REGISTRY_ADDRESS: "nats://users:hunter2@nats:4222" }, "MICRO_REGISTRY_ADDRESS", /without credentials .*got "nats:\/\/\*\*\*@nats:4222"$/, ["hunter2"]);
    refused({ MICRO_TRANSPORT: "nats", MICRO_TRANSPORT_ADDRESS: "tls://s3cr3t-token@nats:4222" }, "MICRO_TRANSPORT_ADDRESS", /got "tls:\/\/\*\*\*@nats:4222"$/, ["s3cr3t-token"]);
    refused({ ...NATS, MICRO_REGISTRY_ADDRESS: "http://nats:4222" }, "MICRO_REGISTRY_ADDRESS", /a URL \(nats:, tls:\)/);
  });

  it("nats config - a creds file must exist and hold a user JWT and its seed", async (t) => {
    const dir = await scratch(t);
    const creds = join(dir, "users.creds");
    await writeFile(creds, "-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAB\n------END USER NKEY SEED------\n");
    assert.deepEqual(read({ ...NATS, MICRO_NATS_CREDS_FILE: creds }).auth, { kind: "creds", file: creds });
    refused({ ...NATS, MICRO_NATS_CREDS_FILE: join(dir, "missing.creds") }, "MICRO_NATS_CREDS_FILE", /a NATS \.creds file this program can read, got ".*missing\.creds"$/);
    await writeFile(join(dir, "bad.creds"), "just text");
    refused({ ...NATS, MICRO_NATS_CREDS_FILE: join(dir, "bad.creds") }, "MICRO_NATS_CREDS_FILE", /a user JWT and its NKey seed/);
  });

  it("nats config - TLS from a tls:// URL, a switch or its files; files are checked at start, and off cannot contradict them", async (t) => {
    const dir = await scratch(t);
    const certs = await makeCertificates(dir);
    const tls = (env: Env) => read({ ...NATS, ...env }).tls;
    assert.deepEqual(tls({ MICRO_REGISTRY_ADDRESS: "tls://nats:4222" }), { caFile: undefined, certFile: undefined, keyFile: undefined });
    assert.deepEqual(tls({ MICRO_NATS_TLS: "on" }), { caFile: undefined, certFile: undefined, keyFile: undefined });
    const mutual = { MICRO_NATS_TLS_CA_FILE: certs.caFile, MICRO_NATS_TLS_CERT_FILE: certs.clientCertFile, MICRO_NATS_TLS_KEY_FILE: certs.clientKeyFile };
    assert.deepEqual(tls(mutual), { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });
    refused({ ...NATS, MICRO_NATS_TLS: "off", MICRO_REGISTRY_ADDRESS: "tls://nats:4222" }, "MICRO_NATS_TLS", /on \(or unset\) with a tls:\/\/ NATS URL, got "off"/);
    refused({ ...NATS, MICRO_NATS_TLS: "off", MICRO_NATS_TLS_CA_FILE: certs.caFile }, "MICRO_NATS_TLS", /MICRO_NATS_TLS_CA_FILE/);
    refused({ ...NATS, MICRO_NATS_TLS_CA_FILE: join(dir, "nope.pem") }, "MICRO_NATS_TLS_CA_FILE", /a PEM certificate file this program can read/);
    refused({ ...NATS, MICRO_NATS_TLS_CA_FILE: certs.clientKeyFile }, "MICRO_NATS_TLS_CA_FILE", /^MICRO_NATS_TLS_CA_FILE: expected a PEM certificate file, got/);
    refused({ ...NATS, MICRO_NATS_TLS_CERT_FILE: certs.clientCertFile }, "MICRO_NATS_TLS_KEY_FILE", /a value when MICRO_NATS_TLS_CERT_FILE is set/);
    refused({ ...NATS, ...mutual, MICRO_NATS_TLS_KEY_FILE: certs.serverKeyFile }, "MICRO_NATS_TLS_KEY_FILE", /the private key of MICRO_NATS_TLS_CERT_FILE's certificate/);
    refused({ ...NATS, ...mutual, MICRO_NATS_TLS_KEY_FILE: certs.caFile }, "MICRO_NATS_TLS_KEY_FILE", /a PEM private key, unencrypted/);
  });
});
