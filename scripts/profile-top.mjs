#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or `npm run bench -- --cpu-prof DIR`): the
 * functions with the most self time, and the packages (node_modules folder or workspace) that
 * hold it, so a hot path can be read without opening DevTools.
 *
 * usage: node scripts/profile-top.mjs FILE [--top N]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "30" } } });
if (positionals.length !== 1) {
  process.stderr.write("usage: node scripts/profile-top.mjs FILE [--top N]\n");
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], "utf8"));

// Self time per node: samples are node ids, timeDeltas the microseconds before each sample.
const selfMicros = new Map();
profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

const byFunction = new Map();
const byPackage = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shorten(url)}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  const pkg = packageOf(url, functionName);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
}

function shorten(url) {
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm + "node_modules/".length);
  const parts = path.split("/");
  return parts.slice(-3).join("/");
}

function packageOf(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node: (core)";
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const ws = path.match(/\/(packages\/[^/]+|services\/[^/]+|gateway|bench)\/dist\/([^/]+)/);
  return ws ? `${ws[1]}/${ws[2]}` : shorten(url);
}

const pct = (v) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
const print = (title, map, n) => {
  process.stdout.write(`${title}\n`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${pct(v)}  ${k}\n`);
  process.stdout.write("\n");
};
process.stdout.write(`${positionals[0]}: ${(total / 1e6).toFixed(1)} s sampled\n\n`);
print("self time by package", byPackage, 25);
print("self time by function", byFunction, top);
