/**
 * Holds the memory registry, the reference implementation, to the registry conformance suite:
 * if it fails here, the suite or the reference is wrong, not the other registries.
 */
import { registryConformance } from "./conformance.js";
import { MemoryRegistry } from "./memory.js";

registryConformance("memory", async () => ({
  registry: new MemoryRegistry(),
  cleanup: async () => {},
}));
