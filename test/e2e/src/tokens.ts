/**
 * Tokens for end-to-end tests, minted by the project's own `npm run token` script, so the tests
 * use exactly what a user would.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./harness.js";

/** A bearer token for `sub` with `roles`, signed with `secret`. */
export async function mintToken(secret: string, sub: string, ...roles: string[]): Promise<string> {
  const args = [join(ROOT, "scripts", "token.mjs"), "--sub", sub, ...roles.flatMap((r) => ["--role", r])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, AUTH_JWT_SECRET: secret } });
  return stdout.trim();
}
