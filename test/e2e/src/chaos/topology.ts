/**
 * The system a fault scenario runs against: two instances of each service on the private
 * PostgreSQL (a fresh database per service per scenario) and the private NATS registry (a fresh
 * bucket per scenario), one gateway, auth and rate limiting off. Each service instance gets a
 * fixed admin address, which its registration advertises: that is how the suite tells which
 * registration belongs to which process, and whether a restarted one is registered again.
 */
import { nodesOf } from "@gw/micro";
import { NatsRegistry } from "@gw/micro/nats";
import { type Instance, System, freePort, programOf } from "../harness.js";
import { send } from "../http.js";
import type { NatsServer, PostgresServer } from "../servers.js";
import { sleep } from "./timeline.js";

export type Transport = "tcp" | "nats";
export const SERVICES = ["users", "products", "orders"] as const;
export type ServiceName = (typeof SERVICES)[number];
export const SERVICE_INSTANCES: readonly Instance[] = SERVICES.flatMap((s): Instance[] => [s, `${s}#2`]);

/** How often a condition is polled while waiting for it. */
const POLL_MS = 100;
/** A readiness probe with no answer in this long counts as not ready: a frozen process never answers. */
const PROBE_TIMEOUT_MS = 2_000;
/** Enough of a dead program's output to say why it died. */
const OUTPUT_TAIL_CHARS = 2_000;
/** How long the whole system may take to be ready, at the start or after a scenario. */
export const READY_TIMEOUT_MS = 60_000;

export interface Servers {
  readonly postgres: PostgresServer;
  readonly nats: NatsServer;
}

export class Topology {
  private constructor(
    readonly system: System,
    readonly ordersDatabaseUrl: string,
    private readonly admins: ReadonlyMap<Instance, string>,
    private readonly registry: NatsRegistry,
  ) {}

  /** Starts the programs of scenario number `index` and resolves once every instance is registered. */
  static async start(servers: Servers, transport: Transport, index: number, signal?: AbortSignal): Promise<Topology> {
    const programEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
    for (const s of SERVICES) programEnv[s] = { DATABASE_URL: await servers.postgres.createDatabase(`chaos${index}_${s}`) };
    const admins = new Map<Instance, string>();
    for (const instance of SERVICE_INSTANCES) admins.set(instance, `127.0.0.1:${await freePort()}`);
    const bucket = `chaos_${index}`;
    const system = await System.start({
      env: {
        MICRO_REGISTRY: "nats",
        MICRO_REGISTRY_ADDRESS: servers.nats.url,
        MICRO_REGISTRY_BUCKET: bucket,
        MICRO_TRANSPORT: transport,
        AUTH: "off",
        // Off, and a limit no load here reaches, so a change of either default cannot throttle the suite.
        RATE_LIMIT: "off",
        RATE_LIMIT_MAX: "1000000",
        LOG_LEVEL: "warn",
      },
      programEnv,
      instances: { users: 2, products: 2, orders: 2 },
      instanceEnv: Object.fromEntries([...admins].map(([instance, address]) => [instance, { MICRO_ADMIN_ADDRESS: address }])),
    });
    const topology = new Topology(system, programEnv.orders?.DATABASE_URL ?? "", admins, new NatsRegistry({ servers: servers.nats.url, bucket }));
    try {
      const why = await topology.untilReady(READY_TIMEOUT_MS, signal);
      if (why) throw new Error(`the system did not become ready: ${why}`);
    } catch (error) {
      await topology.close();
      throw error;
    }
    return topology;
  }

  /** The node ids registered now for `instance` (several while a dead one's registration lingers). */
  async nodeIds(instance: Instance): Promise<string[]> {
    const admin = this.admins.get(instance);
    const nodes = nodesOf(await this.registry.getService(programOf(instance)));
    return nodes.filter((n) => n.metadata.admin === admin).map((n) => n.id);
  }

  /** Resolves once `instance` has a registration other than `before`'s; rejects after `timeoutMs`. */
  async untilRegisteredAnew(instance: Instance, before: readonly string[], signal?: AbortSignal, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ids = await this.nodeIds(instance).catch(() => []);
      if (ids.some((id) => !before.includes(id))) return;
      if (Date.now() > deadline) throw new Error(`${instance} was not registered again within ${timeoutMs} ms\n${this.system.output(instance)}`);
      await sleep(POLL_MS, signal);
    }
  }

  /**
   * Polls until the gateway is ready, every service instance runs, answers ready on its admin port
   * and is registered; resolves undefined then, or what is still missing after `timeoutMs`.
   */
  async untilReady(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = await this.missing();
      if (missing === undefined || Date.now() > deadline) return missing;
      await sleep(POLL_MS, signal);
    }
  }

  private async missing(): Promise<string | undefined> {
    const gateway = await statusOf(this.system.url, "/ready");
    if (gateway !== 200) return `gateway /ready answered ${gateway || "nothing"}`;
    for (const [instance, admin] of this.admins) {
      if (!this.system.running(instance)) return this.notRunning(instance);
      const ready = await statusOf(`http://${admin}`, "/ready");
      if (ready !== 200) return `${instance} /ready answered ${ready || "nothing"}`;
      const ids = await this.nodeIds(instance).catch(() => []);
      if (ids.length === 0) return `${instance} is not registered`;
    }
    return undefined;
  }

  /** Why an instance is not running, with how it ended and the end of what it said. */
  private notRunning(instance: Instance): string {
    const exit = this.system.exits.filter((e) => e.instance === instance).at(-1);
    const how = exit ? ` (exited: ${exit.signal ?? `code ${exit.code}`})` : "";
    return `${instance} is not running${how}; its output ends:\n${this.system.output(instance).slice(-OUTPUT_TAIL_CHARS)}`;
  }

  async close(): Promise<void> {
    await this.system.close();
    await this.registry.close();
  }
}

/** The status `GET base + path` answers with, or 0 when it does not answer in time. */
function statusOf(base: string, path: string): Promise<number> {
  return send(base, "GET", path, undefined, { timeoutMs: PROBE_TIMEOUT_MS }).then((r) => r.status, () => 0);
}
