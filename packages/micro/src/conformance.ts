/**
 * `@gw/micro/conformance`: the suites every registry and every transport must pass. A new backend
 * is a folder with its implementation and one line that runs its suite.
 */
export { type RegistryFactory, registryConformance, waitFor } from "./registry/conformance.js";
export { type TransportUnderTest, closedPort, requestOf, transportConformance } from "./transport/conformance.js";
