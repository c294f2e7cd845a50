/**
 * The chart people look at before they read the table: two panels of grouped bars at one
 * concurrency (64 when measured), requests/s and p99 latency, a group per scenario and a bar per
 * configuration, each labelled with its value. Hand-written SVG: a dozen shapes need no library.
 */
import { BASELINE } from "./configs.js";
import type { BenchReport } from "./report.js";
import { SCENARIO_NAMES, scenario } from "./scenarios.js";
import type { Figures } from "./summary.js";

const WIDTH = 980;
const HEIGHT = 460;
const PANEL_TOP = 130;
const PANEL_HEIGHT = 260;
const PANEL_WIDTH = 430;
const PANEL_LEFTS = [70, 540];
const COLORS = ["#555555", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

/** A bar's median and its ratio to the baseline (null for the baseline itself, or without one). */
type Value = (config: string, scenario: string, figure: keyof Figures) => { v: number; ratio: number | null };

interface Panel {
  readonly title: string;
  readonly figure: keyof Figures;
  readonly unit: string;
}

const PANELS: readonly Panel[] = [
  { title: "requests/s (2xx), higher is better", figure: "rps", unit: "" },
  { title: "p99 latency in ms, lower is better", figure: "p99Ms", unit: " ms" },
];

export function renderSvg(report: BenchReport): string {
  const concurrency = report.settings.memoryConcurrency;
  const configs = report.settings.configs;
  const scenarios = SCENARIO_NAMES.filter((s) => report.results.some((r) => r.scenario === s));
  const row = (config: string, s: string) => report.results.find((r) => r.config === config && r.scenario === s && r.concurrency === concurrency);
  const value: Value = (config, s, figure) => ({ v: row(config, s)?.median[figure] ?? Number.NaN, ratio: config === BASELINE ? null : (row(config, s)?.ratio?.[figure] ?? null) });
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(20, 26, `Gateway benchmark at ${concurrency} connections — medians of ${report.settings.repeat}, ${report.startedAt.slice(0, 16).replace("T", " ")} UTC`, 'font-size="16" font-weight="bold"'),
    text(20, 46, `${report.machine.cpus} cores, Node ${report.machine.node}; ${report.settings.production ? "production features on (auth, rate limit, info logs, OTLP export)" : "AUTH=off, RATE_LIMIT=off, LOG_LEVEL=warn"}; ${report.settings.durationSeconds} s per run; ×: ratio to ${BASELINE} in this run`, 'fill="#555"'),
    ...legend(configs),
  ];
  PANELS.forEach((panel, i) => {
    const values = configs.flatMap((c) => scenarios.map((s) => value(c, s, panel.figure).v)).filter((v) => Number.isFinite(v));
    parts.push(...drawPanel(PANEL_LEFTS[i] ?? 0, panel, niceMax(Math.max(0, ...values)), scenarios, configs, value));
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function drawPanel(
  left: number,
  panel: Panel,
  max: number,
  scenarios: readonly string[],
  configs: readonly string[],
  value: Value,
): string[] {
  const bottom = PANEL_TOP + PANEL_HEIGHT;
  const y = (v: number) => bottom - (max > 0 ? (v / max) * PANEL_HEIGHT : 0);
  const out = [text(left, PANEL_TOP - 12, panel.title, 'font-weight="bold"')];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<line x1="${left}" x2="${left + PANEL_WIDTH}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
    out.push(text(left - 6, y(v) + 4, format(v), 'text-anchor="end" fill="#555"'));
  }
  const groupWidth = PANEL_WIDTH / Math.max(1, scenarios.length);
  const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(1, configs.length));
  scenarios.forEach((s, g) => {
    const groupLeft = left + g * groupWidth + (groupWidth - barWidth * configs.length) / 2;
    configs.forEach((config, b) => {
      const { v, ratio } = value(config, s, panel.figure);
      const x = groupLeft + b * barWidth;
      if (!Number.isFinite(v)) return;
      // The ratio to the baseline above the value: the figure people compare.
      if (ratio !== null) out.push(text(x + (barWidth - 3) / 2, y(v) - 16, `×${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(1)}`, 'text-anchor="middle" font-size="10" fill="#555"'));
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth - 3).toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${color(configs, config)}"><title>${escape(`${config}: ${format(v)}${panel.unit}`)}</title></rect>`);
      out.push(text(x + (barWidth - 3) / 2, y(v) - 4, format(v), 'text-anchor="middle" font-size="10"'));
    });
    out.push(text(left + g * groupWidth + groupWidth / 2, bottom + 18, scenario(s as (typeof SCENARIO_NAMES)[number], 0).title, 'text-anchor="middle"'));
  });
  out.push(`<line x1="${left}" x2="${left + PANEL_WIDTH}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  return out;
}

function legend(configs: readonly string[]): string[] {
  let x = 20;
  return configs.flatMap((config) => {
    const at = x;
    x += 30 + config.length * 7;
    return [`<rect x="${at}" y="62" width="12" height="12" fill="${color(configs, config)}"/>`, text(at + 16, 72, config)];
  });
}

function color(configs: readonly string[], config: string): string {
  return COLORS[configs.indexOf(config) % COLORS.length] ?? "#999999";
}

/** The smallest round top at or above `v` whose quarters (the four ticks) are round numbers too. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  return ([1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10].find((m) => m * power >= v) ?? 10) * power;
}

function format(v: number): string {
  if (v === 0) return "0";
  if (v >= 1000) return Math.round(v).toLocaleString("en-US");
  if (v >= 10) return v.toFixed(0);
  return v >= 1 ? v.toFixed(1) : v.toFixed(2);
}

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
