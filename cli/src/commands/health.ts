/**
 * `micro health`: the readiness of every registered node, as its admin server answers `/ready`.
 * Exit code 0 only when there is at least one node and every node is ready, so a script can wait
 * on it.
 */
import { parseArgs } from "node:util";
import { cliEnvironment } from "../runtime/environment.js";
import { table } from "../runtime/format.js";
import { milliseconds, parsing } from "../runtime/args.js";
import { DEFAULT_READY_TIMEOUT_MS, readinessOf } from "../runtime/readiness.js";
import { withRegistry } from "../runtime/registry.js";
import { type Command, UsageError } from "./command.js";

const USAGE = "health [--json] [--timeout <ms>]";

export interface NodeHealth {
  readonly service: string;
  readonly version: string;
  readonly node: string;
  /** The node's admin address, where `/ready` was asked; absent when it registered none. */
  readonly admin?: string;
  readonly ready: boolean;
  readonly detail?: string;
}

export const healthCommand: Command = {
  name: "health",
  usage: USAGE,
  summary: "ask every node's admin /ready; exit code 1 unless every node is ready",
  async run(args, { root, io, env }) {
    const { values, positionals } = parsing("health", USAGE, () =>
      parseArgs({ args: [...args], options: { json: { type: "boolean" }, timeout: { type: "string" } }, strict: true, allowPositionals: true }),
    );
    if (positionals.length > 0) throw new UsageError(`health: unexpected argument ${JSON.stringify(positionals[0])}; usage: micro ${USAGE}`);
    const timeoutMs = milliseconds("health", "--timeout", values.timeout, DEFAULT_READY_TIMEOUT_MS);
    const { config, given } = cliEnvironment(root, env ?? process.env);
    return withRegistry(config, given, async (registry, label) => {
      const services = await registry.listServices();
      const nodes = services.flatMap((s) => s.nodes.map((node) => ({ service: s, node })));
      const health: NodeHealth[] = await Promise.all(
        nodes.map(async ({ service, node }) => {
          const readiness = await readinessOf(node, timeoutMs);
          return {
            service: service.name,
            version: service.version,
            node: node.id,
            ...(node.metadata.admin ? { admin: node.metadata.admin } : {}),
            ready: readiness.ready,
            ...(readiness.detail !== undefined ? { detail: readiness.detail } : {}),
          };
        }),
      );
      if (values.json) {
        io.out(JSON.stringify(health));
      } else if (health.length === 0) {
        io.out(`no nodes in ${label}`);
      } else {
        const rows = health.map((h) => [h.service, h.version, h.node, h.admin ?? "-", h.ready ? "ready" : "NOT READY", h.detail ?? ""]);
        for (const line of table(["SERVICE", "VERSION", "NODE", "ADMIN", "STATUS", "DETAIL"], rows)) io.out(line);
      }
      return health.length > 0 && health.every((h) => h.ready) ? 0 : 1;
    });
  },
};
