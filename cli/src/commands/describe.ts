/**
 * `micro describe <service>`, go-micro's `micro describe service`: the service's nodes (id,
 * address, version, metadata, and how long ago each last refreshed its registration) and its
 * endpoints as the nodes registered them (HTTP bindings, rule, request and response schemas).
 */
import { parseArgs } from "node:util";
import type { AuthRule, Endpoint, HttpBinding, RegisteredService } from "@gw/micro";
import { cliEnvironment } from "../runtime/environment.js";
import { duration, pairs, table } from "../runtime/format.js";
import { parsing } from "../runtime/args.js";
import { withRegistry } from "../runtime/registry.js";
import { type Command, Failure, UsageError } from "./command.js";

const USAGE = "describe <service> [--json]";

export const describeCommand: Command = {
  name: "describe",
  usage: USAGE,
  summary: "a service's nodes (address, version, metadata, last heartbeat) and endpoints (HTTP, rule, schemas)",
  async run(args, { root, io, env }) {
    const { values, positionals } = parsing("describe", USAGE, () =>
      parseArgs({ args: [...args], options: { json: { type: "boolean" } }, strict: true, allowPositionals: true }),
    );
    if (positionals.length !== 1) throw new UsageError(`describe: expected one service name; usage: micro ${USAGE}`);
    const name = positionals[0] as string;
    const { config, given } = cliEnvironment(root, env ?? process.env);
    return withRegistry(config, given, async (registry, label) => {
      const versions = await registry.getService(name);
      if (versions.length === 0) {
        const known = (await registry.listServices()).map((s) => s.name);
        const names = [...new Set(known)].join(", ") || "none";
        throw new Failure(`no service ${JSON.stringify(name)} in ${label}; registered: ${names}`);
      }
      const now = Date.now();
      if (values.json) {
        io.out(JSON.stringify(versions.map((s) => withAges(s, now))));
        return 0;
      }
      for (const line of describe(versions, now)) io.out(line);
      return 0;
    });
  },
};

/** The service with each node's heartbeat age added, for scripts. */
function withAges(service: RegisteredService, now: number) {
  return {
    ...service,
    nodes: service.nodes.map((node) => (node.refreshedAt === undefined ? node : { ...node, heartbeatAgeMs: Math.max(0, now - node.refreshedAt) })),
  };
}

function describe(versions: readonly RegisteredService[], now: number): string[] {
  const first = versions[0] as RegisteredService;
  const lines = [`service  ${first.name}`, `versions ${versions.map((v) => v.version).join(", ")}`, ""];
  const nodeRows = versions.flatMap((s) =>
    s.nodes.map((n) => [n.id, n.address, s.version, n.refreshedAt === undefined ? "-" : `${duration(now - n.refreshedAt)} ago`, pairs(n.metadata)]),
  );
  lines.push(...table(["NODE", "ADDRESS", "VERSION", "HEARTBEAT", "METADATA"], nodeRows));
  for (const s of versions) {
    for (const endpoint of s.endpoints) lines.push("", ...describeEndpoint(endpoint, versions.length > 1 ? s.version : undefined));
  }
  return lines;
}

function describeEndpoint(endpoint: Endpoint, version: string | undefined): string[] {
  const { metadata } = endpoint;
  const title = version === undefined ? endpoint.name : `${endpoint.name} (${version})`;
  return [
    metadata.summary ? `${title}: ${metadata.summary}` : title,
    `  http:     ${metadata.http?.length ? metadata.http.map(binding).join(", ") : "none (RPC only)"}`,
    `  rule:     ${rule(metadata.auth)}${metadata.idempotent ? ", idempotent" : ""}${metadata.idempotencyKey ? ", honours Idempotency-Key" : ""}`,
    `  request:  ${JSON.stringify(endpoint.request)}`,
    `  response: ${JSON.stringify(endpoint.response)}`,
  ];
}

/** `GET /users/{id}`, `GET /users?id`, `POST /users -> 201`. */
export function binding(b: HttpBinding): string {
  const when = b.when?.length ? `?${b.when.join("&")}` : "";
  const status = b.status !== undefined ? ` -> ${b.status}` : "";
  return `${b.method} ${b.path}${when}${status}`;
}

/** A rule in words; none is admins only while auth is on (rules fail closed). */
export function rule(auth: AuthRule | undefined): string {
  if (auth === undefined) return "admin only (no rule)";
  if (auth === "public" || auth === "authenticated") return auth;
  if ("role" in auth) return `role ${auth.role}`;
  return `own data (${auth.self} = caller)`;
}
