/**
 * `npm run bench -- --smoke` as a user runs it (the compiled command, as a process): it measures
 * direct and embedded briefly and writes a report of the documented shape. No throughput figure is
 * asserted (docs/architecture.md, "How it is tested": a timed test on a shared machine only measures the neighbours);
 * only that requests were made and all of them succeeded.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { BenchReport } from "./report.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function runSmoke(outDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, "bench", "dist", "main.js"), "--smoke", "--out", outDir], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

test("bench - the smoke run measures direct and embedded without errors and writes JSON and SVG", { timeout: 90_000 }, async (t) => {
  const out = await mkdtemp(join(tmpdir(), "gw-bench-test-"));
  t.after(() => rm(out, { recursive: true, force: true }));
  const run = await runSmoke(out);
  assert.equal(run.code, 0, `bench --smoke failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /estimated time: about/);
  assert.match(run.stdout, /AUTH=off/);
  assert.match(run.stdout, /GET \/users\?id=N/);
  assert.match(run.stdout, /POST \/orders/);

  const report = JSON.parse(await readFile(join(out, "latest.json"), "utf8")) as BenchReport;
  assert.equal(report.schema, 1);
  assert.equal(report.settings.smoke, true);
  assert.deepEqual(report.settings.concurrency, [1, 16]);
  // Without PostgreSQL (and without CI=true) direct is skipped with a reason; embedded needs nothing.
  const expected = ["direct", "embedded"].filter((c) => !report.skipped.some((s) => s.config === c));
  assert.deepEqual(report.settings.configs, expected);
  assert.ok(expected.includes("embedded"));
  for (const s of report.skipped) t.diagnostic(`skipped ${s.config}: ${s.reason}`);

  for (const config of expected) {
    for (const scenario of ["get-user", "create-order"]) {
      for (const concurrency of [1, 16]) {
        const row = report.results.find((r) => r.config === config && r.scenario === scenario && r.concurrency === concurrency);
        assert.ok(row, `a result for ${config} ${scenario} c=${concurrency}`);
        assert.equal(row.runs.length, 1);
        for (const r of row.runs) {
          assert.ok(r.responses > 0, `${config} ${scenario} c=${concurrency} made requests`);
          assert.equal(r.non2xx, 0, `${config} ${scenario} c=${concurrency}: no non-2xx`);
          assert.equal(r.errors, 0, `${config} ${scenario} c=${concurrency}: no errors`);
        }
        for (const figure of [row.median.rps, row.median.p50Ms, row.median.p99Ms, row.median.p999Ms]) assert.equal(typeof figure, "number");
        assert.equal(row.ratio === null, !expected.includes("direct"));
      }
    }
    const memory = report.memory.find((m) => m.config === config);
    assert.ok(memory, `memory figures for ${config}`);
    assert.ok(memory.programs.length > 0 && memory.programs.every((p) => p.idleMB > 0 && p.loadMB > 0));
  }
  assert.deepEqual(report.memory.find((m) => m.config === "embedded")?.programs.map((p) => p.program).sort(), ["gateway", "orders", "products", "users"]);
  assert.ok((report.embeddedTotalIdleMB ?? 0) > 0);

  const svg = await readFile(join(out, "latest.svg"), "utf8");
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal(svg, await readFile(join(out, `${report.startedAt.replace(/[:.]/g, "-")}.svg`), "utf8"));
});
