/**
 * For gateway tests that need the catalog's routes without services behind them: each contract
 * registered with one node at an address where nothing listens, so every call through its routes
 * is refused (503), while routing, validation, rules and limits run as they do in production.
 */
import { type Registry, type ServiceContract, endpointsOf } from "@gw/micro";

/** A TCP port nothing listens on: connecting is refused at once. */
export const NOTHING_LISTENS = "127.0.0.1:1";

export async function registerUnreachable(registry: Registry, contracts: readonly ServiceContract[]): Promise<void> {
  for (const contract of contracts) {
    const node = { id: `${contract.name}-unreachable`, address: NOTHING_LISTENS, metadata: {} };
    await registry.register({ name: contract.name, version: "test", endpoints: endpointsOf(contract), nodes: [node] }, { ttlMs: 3_600_000 });
  }
}
