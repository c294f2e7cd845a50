#!/usr/bin/env node
/**
 * Prints a JWT for the gateway (HS256), signed with AUTH_JWT_SECRET from the environment. It
 * refuses to sign without one: a token signed with a secret the gateway does not hold is useless,
 * and one signed with a secret everyone knows is dangerous.
 *
 *   npm run -s token -- --sub 1 --role admin [--role x] [--ttl 3600]
 *
 * Only the token goes to stdout, so `TOKEN=$(npm run -s token -- --sub 1)` works. AUTH_ISSUER and
 * AUTH_AUDIENCE, when set, become `iss` and `aud`, as the gateway then requires them. Runs with
 * Node and the installed `jose` only: no build needed.
 */
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

const MIN_SECRET_BYTES = 32;
const DEFAULT_TTL_SEC = 3600;
const ROLE = /^[A-Za-z0-9._:-]{1,64}$/;

const USAGE = `usage: npm run -s token -- --sub <subject> [--role <role>]... [--ttl <seconds>]
  --sub   the token's subject: a user id such as 1, or a service account name
  --role  a role to grant (repeatable); admin may do anything
  --ttl   lifetime in seconds (default ${DEFAULT_TTL_SEC})
signs with AUTH_JWT_SECRET (at least ${MIN_SECRET_BYTES} bytes), the gateway's secret`;

function fail(message) {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function readArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        sub: { type: "string" },
        role: { type: "string", multiple: true },
        ttl: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { sub, role = [], ttl, help } = parsed.values;
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (sub === undefined || sub.trim() === "") fail("--sub is required");
  const bad = role.find((r) => !ROLE.test(r));
  if (bad !== undefined) fail(`--role ${JSON.stringify(bad)}: a role is letters, digits and . _ : - only`);
  if (ttl !== undefined && !/^[1-9][0-9]{0,8}$/.test(ttl)) fail(`--ttl ${JSON.stringify(ttl)}: expected a positive number of seconds`);
  return { sub, roles: role, ttlSec: ttl === undefined ? DEFAULT_TTL_SEC : Number(ttl) };
}

function secretKey() {
  const secret = process.env.AUTH_JWT_SECRET?.trim();
  if (secret === undefined || secret === "") fail("AUTH_JWT_SECRET is not set: set it to the gateway's secret");
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) fail(`AUTH_JWT_SECRET: expected at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

const { sub, roles, ttlSec } = readArgs(process.argv.slice(2));
const jwt = new SignJWT({ roles })
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(sub)
  .setIssuedAt()
  .setExpirationTime(`${ttlSec}s`);
const issuer = process.env.AUTH_ISSUER?.trim();
const audience = process.env.AUTH_AUDIENCE?.trim();
if (issuer) jwt.setIssuer(issuer);
if (audience) jwt.setAudience(audience);
process.stdout.write(`${await jwt.sign(secretKey())}\n`);
