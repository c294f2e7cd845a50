/**
 * `micro call <service> <Endpoint> '<json>'`, as go-micro's `micro call`: one call through the
 * toolkit's own Client, over the registry and transport the environment picks, exactly as a
 * program makes it. It prints the response as JSON, or the error in its wire shape
 * `{id, code, detail, status}` (on stdout, as JSON) with exit code 1.
 *
 * With AUTH on, the services believe only call credentials signed with MICRO_AUTH_SECRET. The CLI
 * is run by an operator who holds that secret, as the programs do, so it signs the credential
 * itself. For whom: with `--token` (or MICRO_TOKEN) the token is verified as the gateway verifies
 * it (AUTH_JWT_SECRET or AUTH_JWKS_URL, the gateway's own code) and checked against the
 * endpoint's registered rule, and the call acts for the token's subject and roles: the operator
 * sees what that caller would through the gateway, and a token the gateway would refuse is refused
 * here. Without a token the call acts for `micro` itself, as any program's own calls do.
 */
import { parseArgs } from "node:util";
import { Callers, type Env, type MicroEnv, createCredentialSigner, clientAuth, forbidden, isMicroError, isValidMetadataKey, transportFromEnv, unauthorized } from "@gw/micro";
import { readAuthConfig } from "@gw/gateway/auth/config";
import { accountOf, type Identity } from "@gw/gateway/auth/identity";
import { authorize, ruleFrom } from "@gw/gateway/auth/rules";
import { createVerifier } from "@gw/gateway/auth/verify";
import { cliEnvironment, read } from "../runtime/environment.js";
import { milliseconds, parsing } from "../runtime/args.js";
import { withRegistry } from "../runtime/registry.js";
import { type Command, Failure, UsageError } from "./command.js";

const USAGE = "call <service> <endpoint> [<json>] [-m key=value]... [--timeout <ms>] [--token <jwt>] [--json]";
/** What the call's credential names as its issuer, and its account when no token is given. */
export const CLI_NAME = "micro";

export const callCommand: Command = {
  name: "call",
  usage: USAGE,
  summary: "call an endpoint through the toolkit's client; prints the response or the error shape (exit code 1)",
  async run(args, { root, io, env }) {
    const { values, positionals } = parsing("call", USAGE, () =>
      parseArgs({
        args: [...args],
        options: {
          metadata: { type: "string", short: "m", multiple: true },
          timeout: { type: "string" },
          token: { type: "string" },
          json: { type: "boolean" },
        },
        strict: true,
        allowPositionals: true,
      }),
    );
    if (positionals.length < 2 || positionals.length > 3) throw new UsageError(`call: expected a service, an endpoint and a JSON request; usage: micro ${USAGE}`);
    const [service, endpoint, body] = positionals as [string, string, string | undefined];
    const request = parseRequest(body);
    const metadata = parseMetadata(values.metadata ?? []);
    const environment = cliEnvironment(root, env ?? process.env);
    const { config, given } = environment;
    const timeoutMs = milliseconds("call", "--timeout", values.timeout, config.clientTimeoutMs);
    const token = values.token ?? nonEmpty(given.MICRO_TOKEN);
    if (token !== undefined && !config.auth.enabled) io.err("micro: AUTH is off: the token is not checked and the call acts for nobody");
    const print = (value: unknown) => io.out(values.json ? JSON.stringify(value) : JSON.stringify(value, null, 2));

    return withRegistry(config, given, async (registry) => {
      // Looked up first, apart from the client's cache, so an unreachable registry is the one line that names it.
      const versions = await registry.getService(service);
      const declared = versions.flatMap((v) => v.endpoints).find((e) => e.name === endpoint);
      let identity: Identity | undefined;
      if (config.auth.enabled && token !== undefined) {
        const verified = await verifyToken(environment.env, token);
        if (!verified.ok) {
          print(unauthorized(CLI_NAME, verified.detail, { reason: "token_invalid" }).toJSON());
          return 1;
        }
        identity = verified.identity;
        const rule = declared === undefined ? undefined : ruleFrom(declared.metadata.auth);
        if (rule !== undefined && rule !== "public") {
          const verdict = authorize(identity, rule, isRecord(request) ? request : undefined);
          if (!verdict.allowed) {
            print(forbidden(CLI_NAME, verdict.reason, { reason: "forbidden" }).toJSON());
            return 1;
          }
        }
      }
      const callers = new Callers({ registry, transport: await transportFromEnv(config), timeoutMs, wrappers: signing(config) });
      try {
        const response = await callers.client([]).callRaw(service, endpoint, request, {
          timeoutMs,
          metadata,
          account: accountOf(identity),
          idempotent: declared?.metadata.idempotent === true,
        });
        print(response ?? {});
        return 0;
      } catch (error) {
        if (!isMicroError(error)) throw error;
        print(error.toJSON());
        return 1;
      } finally {
        await callers.close();
      }
    });
  },
};

function parseRequest(body: string | undefined): unknown {
  if (body === undefined) return {};
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new UsageError(`call: the request is not JSON (${error instanceof Error ? error.message : String(error)}); e.g. micro call <service> <endpoint> '{"id": 1}'`);
  }
}

/** `-m key=value`, repeatable; keys held to what every transport can carry. */
function parseMetadata(entries: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf("=");
    const key = at < 0 ? entry : entry.slice(0, at);
    if (at < 0 || !isValidMetadataKey(key)) {
      throw new UsageError(`call: -m ${JSON.stringify(entry)}: expected key=value with a lower-case key of letters, digits and dashes`);
    }
    metadata[key] = entry.slice(at + 1);
  }
  return metadata;
}

function signing(config: MicroEnv) {
  return config.auth.enabled ? [clientAuth(createCredentialSigner({ issuer: CLI_NAME, secret: config.auth.secret }))] : [];
}

type Verified = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly detail: string };

/** The token checked with the gateway's configuration and code, so it passes here exactly when it would pass there. */
async function verifyToken(env: Env, token: string): Promise<Verified> {
  const auth = read(env, (reader) => readAuthConfig(reader));
  if (!auth.enabled) throw new Failure("AUTH is on for calls but the gateway's token settings say off");
  const result = await createVerifier(auth)(token);
  if (result.ok) return { ok: true, identity: result.identity };
  if (result.kind === "invalid") return { ok: false, detail: result.description };
  throw new Failure(`cannot verify the token: the keys at AUTH_JWKS_URL could not be fetched (${String((result.cause as Error)?.message ?? result.cause)})`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
