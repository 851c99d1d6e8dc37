#!/usr/bin/env node
// Draws a dashboard snapshot (the series of every panel, from Prometheus range queries, as
// test/grafana/dashboards.test.ts writes them with SAMSA_DASHBOARD_SNAPSHOT) as an HTML page of
// SVG panels laid out on the dashboard's own grid, in the colours of Grafana's dark theme. It is
// not Grafana: the picture in the README was made this way because Grafana is not installable
// where it was made. Turn the page into a PNG with a headless browser, e.g.
//   node grafana/render-snapshot.mjs snapshot.json page.html
//   chromium --headless --no-sandbox --hide-scrollbars --window-size=1600,1050 --screenshot=docs/x.png page.html
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node grafana/render-snapshot.mjs SNAPSHOT.json OUT.html');
  process.exit(2);
}
const snap = JSON.parse(fs.readFileSync(input, 'utf8'));
const dashboardFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards', 'samsa-overview.json');
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
const panelDefs = new Map(dashboard.panels.map((p) => [p.title, p]));

const WIDTH = 1600;
const PAD = 16;
const GAP = 8;
const CELL_H = 30;
const COL_W = (WIDTH - 2 * PAD + GAP) / 24;
const HEADER = 64;
/** Grafana's classic palette, in its order. */
const PALETTE = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A6', '#705DA0', '#508642', '#CCA300', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477'];
const THRESHOLD_COLORS = { green: '#73BF69', orange: '#FF9830', red: '#F2495C' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function scaled(v, steps, base) {
  let i = 0;
  let x = Math.abs(v);
  while (x >= base && i < steps.length - 1) { x /= base; i++; }
  const n = Math.sign(v) * x;
  return `${n >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2)} ${steps[i]}`.trim();
}

function format(v, unit) {
  if (!Number.isFinite(v)) return '–';
  switch (unit) {
    case 'Bps': return `${scaled(v, ['B', 'kB', 'MB', 'GB'], 1000)}/s`;
    case 'bytes': return scaled(v, ['B', 'KiB', 'MiB', 'GiB'], 1024);
    case 'reqps': return `${scaled(v, ['', 'K', 'M'], 1000)} req/s`.replace('  ', ' ');
    case 'ops': return `${scaled(v, ['', 'K', 'M'], 1000)} ops/s`.replace('  ', ' ');
    case 'percentunit': return `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`;
    case 's': {
      if (v === 0) return '0 s';
      if (Math.abs(v) < 1e-3) return `${(v * 1e6).toFixed(0)} µs`;
      if (Math.abs(v) < 1) return `${(v * 1e3).toFixed(v < 0.01 ? 2 : 1)} ms`;
      if (v < 120) return `${v.toFixed(1)} s`;
      if (v < 7200) return `${(v / 60).toFixed(1)} min`;
      return `${(v / 3600).toFixed(1)} hour`;
    }
    default: return scaled(v, ['', 'K', 'M', 'B'], 1000);
  }
}

function niceTicks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t <= max + step * 0.001; t += step) ticks.push(t);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

const clock = (t) => new Date(t * 1000).toISOString().slice(11, 19);

function panelBox(p) {
  const g = p.gridPos;
  return { x: PAD + g.x * COL_W, y: HEADER + g.y * (CELL_H + GAP), w: g.w * COL_W - GAP, h: g.h * (CELL_H + GAP) - GAP };
}

function lastValue(series) {
  for (const s of series) for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i][1])) return s.values[i][1];
  return NaN;
}

function thresholdColor(def, v) {
  const steps = def?.fieldConfig?.defaults?.thresholds?.steps ?? [{ color: 'green', value: null }];
  let color = steps[0].color;
  for (const s of steps) if (s.value === null || v >= s.value) color = s.color;
  return THRESHOLD_COLORS[color] ?? color;
}

function statPanel(p, box) {
  const v = lastValue(p.series);
  const color = thresholdColor(panelDefs.get(p.title), v);
  const vals = (p.series[0]?.values ?? []).filter(([, y]) => Number.isFinite(y));
  let spark = '';
  if (vals.length > 1) {
    const t0 = vals[0][0];
    const t1 = vals[vals.length - 1][0];
    const ys = vals.map(([, y]) => y);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const pts = vals.map(([t, y]) => `${(box.w * (t - t0)) / Math.max(1, t1 - t0)},${box.h - 4 - ((box.h * 0.45) * (y - lo)) / Math.max(1e-12, hi - lo)}`);
    spark = `<polygon points="0,${box.h} ${pts.join(' ')} ${box.w},${box.h}" fill="${color}" fill-opacity="0.15"/><polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
  }
  return `${spark}<text x="${box.w / 2}" y="${box.h / 2 + 22}" fill="${color}" font-size="38" font-weight="500" text-anchor="middle">${esc(format(v, p.unit))}</text>`;
}

/** Stacked panels: each series drawn on top of the ones before it (at the same timestamps). */
function stacked(series) {
  const base = new Map();
  return series.map((s) => ({
    ...s,
    values: s.values.map(([t, y]) => {
      const below = base.get(t) ?? 0;
      const top = below + (Number.isFinite(y) ? y : 0);
      base.set(t, top);
      return [t, Number.isFinite(y) ? top : y];
    }),
  }));
}

function timeseriesPanel(panel, box) {
  const stack = panelDefs.get(panel.title)?.fieldConfig?.defaults?.custom?.stacking?.mode === 'normal';
  const p = stack ? { ...panel, series: stacked(panel.series) } : panel;
  const left = 64;
  const right = 12;
  const top = 30;
  const legendRows = Math.min(3, Math.ceil(p.series.length / 4));
  const bottom = 24 + legendRows * 16;
  const w = box.w - left - right;
  const h = box.h - top - bottom;
  const all = p.series.flatMap((s) => s.values.map(([, y]) => y)).filter(Number.isFinite);
  const ticks = niceTicks(Math.max(0, ...all));
  const yMax = ticks[ticks.length - 1];
  const t0 = snap.start;
  const t1 = snap.end;
  const X = (t) => left + (w * (t - t0)) / (t1 - t0);
  const Y = (y) => top + h - (h * y) / yMax;
  let out = '';
  for (const t of ticks) out += `<line x1="${left}" x2="${left + w}" y1="${Y(t)}" y2="${Y(t)}" stroke="#2c3235"/><text x="${left - 6}" y="${Y(t) + 4}" fill="#8e8e8e" font-size="11" text-anchor="end">${esc(format(t, p.unit))}</text>`;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    out += `<text x="${X(t)}" y="${top + h + 15}" fill="#8e8e8e" font-size="11" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${clock(t)}</text>`;
  }
  p.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const segs = [];
    let cur = [];
    for (const [t, y] of s.values) {
      if (Number.isFinite(y)) cur.push(`${X(t).toFixed(1)},${Y(y).toFixed(1)}`);
      else if (cur.length > 0) { segs.push(cur); cur = []; }
    }
    if (cur.length > 0) segs.push(cur);
    for (const seg of segs) {
      const firstX = seg[0].split(',')[0];
      const lastX = seg[seg.length - 1].split(',')[0];
      out += `<polygon points="${firstX},${Y(0)} ${seg.join(' ')} ${lastX},${Y(0)}" fill="${color}" fill-opacity="0.08"/>`;
      out += `<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="1.3"/>`;
    }
  });
  // legend: up to four per row, three rows
  p.series.slice(0, legendRows * 4).forEach((s, i) => {
    const lx = left + (i % 4) * (w / 4);
    const ly = top + h + 30 + Math.floor(i / 4) * 16;
    const name = s.legend.length > 34 ? `${s.legend.slice(0, 33)}…` : s.legend;
    out += `<rect x="${lx}" y="${ly - 4}" width="14" height="3" fill="${PALETTE[i % PALETTE.length]}"/><text x="${lx + 19}" y="${ly}" fill="#ccccdc" font-size="11">${esc(name)}</text>`;
  });
  return out;
}

let bottomEdge = 0;
const panels = snap.panels.map((p) => {
  const box = panelBox(p);
  bottomEdge = Math.max(bottomEdge, box.y + box.h);
  const body = p.type === 'stat' ? statPanel(p, box) : timeseriesPanel(p, box);
  return `<svg x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" overflow="hidden">
<rect width="${box.w}" height="${box.h}" rx="2" fill="#181b1f" stroke="#2c3235"/>
<text x="${p.type === 'stat' ? box.w / 2 : 10}" y="19" fill="#ccccdc" font-size="13" font-weight="500" text-anchor="${p.type === 'stat' ? 'middle' : 'start'}">${esc(p.title)}</text>
${body}</svg>`;
});
const height = bottomEdge + 40;
const range = `${new Date(snap.start * 1000).toISOString().slice(0, 19).replace('T', ' ')} to ${clock(snap.end)} UTC`;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="Inter, 'DejaVu Sans', Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#111217"/>
<text x="${PAD}" y="30" fill="#ccccdc" font-size="18" font-weight="500">${esc(snap.title)}</text>
<text x="${PAD}" y="50" fill="#8e8e8e" font-size="12">Data source: Prometheus · Broker: All · ${esc(range)}</text>
<text x="${WIDTH - PAD}" y="30" fill="#8e8e8e" font-size="12" text-anchor="end">Drawn by grafana/render-snapshot.mjs from Prometheus range queries of this dashboard's panels (not a Grafana screenshot)</text>
${panels.join('\n')}
</svg>`;
fs.writeFileSync(output, `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#111217}</style></head><body>${svg}</body></html>\n`);
console.log(`${output}: ${WIDTH}x${height}`);
