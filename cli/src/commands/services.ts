/**
 * `micro services`, as go-micro's `micro services`: every registered service with its versions,
 * how many nodes each has, and how many of those say they are ready (each node's admin `/ready`).
 */
import { parseArgs } from "node:util";
import { readinessOf, DEFAULT_READY_TIMEOUT_MS } from "../runtime/readiness.js";
import { cliEnvironment } from "../runtime/environment.js";
import { table } from "../runtime/format.js";
import { milliseconds, parsing } from "../runtime/args.js";
import { withRegistry } from "../runtime/registry.js";
import { type Command, UsageError } from "./command.js";

const USAGE = "services [--json] [--timeout <ms>]";

export interface ServiceSummary {
  readonly name: string;
  readonly version: string;
  readonly nodes: number;
  /** How many of its nodes answered `/ready` with 200. */
  readonly ready: number;
  /** `ready` (every node), `degraded` (some), `down` (none). */
  readonly health: "ready" | "degraded" | "down";
}

export const servicesCommand: Command = {
  name: "services",
  usage: USAGE,
  summary: "list the registered services: versions, nodes, and how many nodes are ready",
  async run(args, { root, io, env }) {
    const { values, positionals } = parsing("services", USAGE, () =>
      parseArgs({ args: [...args], options: { json: { type: "boolean" }, timeout: { type: "string" } }, strict: true, allowPositionals: true }),
    );
    if (positionals.length > 0) throw new UsageError(`services: unexpected argument ${JSON.stringify(positionals[0])}; usage: micro ${USAGE}`);
    const timeoutMs = milliseconds("services", "--timeout", values.timeout, DEFAULT_READY_TIMEOUT_MS);
    const { config, given } = cliEnvironment(root, env ?? process.env);
    return withRegistry(config, given, async (registry, label) => {
      const services = await registry.listServices();
      const summaries: ServiceSummary[] = await Promise.all(
        services.map(async (s) => {
          const checks = await Promise.all(s.nodes.map((node) => readinessOf(node, timeoutMs)));
          const ready = checks.filter((c) => c.ready).length;
          return { name: s.name, version: s.version, nodes: s.nodes.length, ready, health: ready === s.nodes.length ? "ready" : ready === 0 ? "down" : "degraded" };
        }),
      );
      if (values.json) {
        io.out(JSON.stringify(summaries));
      } else if (summaries.length === 0) {
        io.out(`no services in ${label}`);
      } else {
        const rows = summaries.map((s) => [s.name, s.version, String(s.nodes), s.health === "ready" ? "ready" : `${s.ready}/${s.nodes} ready`]);
        for (const line of table(["SERVICE", "VERSION", "NODES", "HEALTH"], rows)) io.out(line);
      }
      return 0;
    });
  },
};
