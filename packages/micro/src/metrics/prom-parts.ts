/**
 * The parts of prom-client this toolkit uses, loaded without its index: the index also loads its
 * Pushgateway, and with it node:http and node:https, which no program here needs (a service's HTTP
 * server lives in the admin backend). The types are the package's own.
 */
import { createRequire } from "node:module";
import type * as Prom from "prom-client";

const require = createRequire(import.meta.url);

export const Registry = require("prom-client/lib/registry") as typeof Prom.Registry;
export const Gauge = require("prom-client/lib/gauge") as typeof Prom.Gauge;
export const Counter = require("prom-client/lib/counter") as typeof Prom.Counter;
export const collectDefaultMetrics = require("prom-client/lib/defaultMetrics") as typeof Prom.collectDefaultMetrics;
