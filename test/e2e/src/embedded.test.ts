/**
 * The gateway contract against the embedded default: four processes, PGlite, the local
 * registry, HTTP transport.
 */
import { gatewayContract } from "./contract.js";
import { System } from "./harness.js";

gatewayContract("embedded default", () => System.start());
