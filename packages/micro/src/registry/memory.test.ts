/**
 * Holds the memory registry, the reference implementation, to the registry conformance suite:
 * if it fails here, the suite or the reference is wrong, not the other registries. Its store is the
 * instance itself, so "another instance on the same store" is the same object.
 */
import { registryConformance } from "./conformance.js";
import { MemoryRegistry } from "./memory.js";

registryConformance(
  "memory",
  async () => {
    const registry = new MemoryRegistry();
    return { open: () => registry, cleanup: () => registry.close() };
  },
  { processes: false },
);
