// Turns the RESULT lines of several benchmark runs into one JSON file of flat records
// {workload, impl, metric, value, unit, params} (the median over the runs, with the run count;
// records from browsers, scripts/bench_web.sh, also carry the engine that ran them: "engine"),
// an SVG chart, and a table on stdout. The JSON file's path is printed last.
//   node report.mjs <out dir> <environment json> <file with RESULT lines>...
import fs from 'node:fs';
import path from 'node:path';

const [outDir, envJson, ...inputs] = process.argv.slice(2);
const env = JSON.parse(envJson);
const groups = new Map();
for (const file of inputs) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    const r = JSON.parse(line.slice(7));
    const key = JSON.stringify([r.workload, r.impl, r.metric, r.params, r.engine]);
    if (!groups.has(key)) groups.set(key, {...r, values: []});
    groups.get(key).values.push(r.value);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const records = [...groups.values()].map(({values, ...r}) => ({
  ...r,
  value: r.unit === 'hash' ? median(values) : Number(median(values).toPrecision(6)),
  runs: values.length,
}));
fs.mkdirSync(outDir, {recursive: true});
const jsonPath = path.join(outDir, 'results.json');
fs.writeFileSync(jsonPath, JSON.stringify({environment: env, records}, null, 1) + '\n');

// Table: one row per (workload, metric, params), one column per implementation.
// spool_asyncify: spool on its Asyncify fallback (-DSPOOL_CONTEXT=asyncify), beside Emscripten's own
// Asyncify fibers.
const impls = ['spool', 'raw_jspi', 'asyncify', 'spool_asyncify', 'native'];
const rows = new Map();
// In the tables and the chart the engine reads as the first parameter.
const shownParams = (r) => r.engine ? {engine: r.engine, ...r.params} : r.params;
for (const r of records) {
  const params = shownParams(r);
  const key = JSON.stringify([r.workload, r.metric, params]);
  if (!rows.has(key)) rows.set(key, {workload: r.workload, metric: r.metric, params, unit: r.unit, by: {}});
  rows.get(key).by[r.impl] = r.value;
}
const fmt = (v) => v === undefined ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const paramText = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
const ratio = (a, b) => (a === undefined || b === undefined || b === 0) ? '-' : (a / b).toFixed(2) + 'x';
const lines = ['| workload | metric | params | ' + impls.join(' | ') + ' | spool / raw_jspi | spool / asyncify | spool_asyncify / asyncify |',
               '|' + '---|'.repeat(impls.length + 6)];
for (const row of rows.values()) {
  if (row.workload === 'taisei') continue;  // its own table below
  lines.push(`| ${row.workload} | ${row.metric} (${row.unit}) | ${paramText(row.params)} | ` +
             impls.map((i) => fmt(row.by[i])).join(' | ') +
             ` | ${ratio(row.by.spool, row.by.raw_jspi)} | ${ratio(row.by.spool, row.by.asyncify)} | ${ratio(row.by.spool_asyncify, row.by.asyncify)} |`);
}
if (lines.length === 2) lines.length = 0;  // only the Taisei stage was run: no empty table
// The Taisei-like stage: one table per parameter set (K), every implementation side by side.
const taiseiMetrics = [
  ['tick_p50', 'tick p50 (ms)'], ['tick_p99', 'tick p99 (ms)'], ['switches_per_frame', 'switches per frame'],
  ['spawns', 'tasks spawned'], ['state_updates', 'task-frames of work (state updates)'],
  ['frames_run', 'frames run'], ['peak_live_tasks', 'peak live tasks'],
  ['peak_resident_memory', 'peak resident memory (MiB)'],
];
const taiseiSets = new Map();  // params JSON -> {params, metric -> row}
for (const row of rows.values()) {
  if (row.workload !== 'taisei') continue;
  const key = JSON.stringify(row.params);
  if (!taiseiSets.has(key)) taiseiSets.set(key, {params: row.params, byMetric: {}});
  taiseiSets.get(key).byMetric[row.metric] = row;
}
// The hash as hex from its two exact 32-bit halves.
const hashOf = (set, impl) => {
  // spool's native run belongs to no browser: the stage with the same parameters, whatever the engine.
  if (impl === 'native' && set.params.engine && !set.byMetric.state_hash_high?.by.native) {
    const {engine, ...params} = set.params;
    const reference = taiseiSets.get(JSON.stringify(params));
    return reference && reference !== set ? hashOf(reference, impl) : undefined;
  }
  const high = set.byMetric.state_hash_high?.by[impl], low = set.byMetric.state_hash_low?.by[impl];
  if (high === undefined || low === undefined) return undefined;
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
};
for (const set of taiseiSets.values()) {
  // spool's native run alone, beside browser runs: only the reference for their state hashes.
  const reference = [...taiseiSets.values()].some((other) => other.params.engine) &&
                    Object.values(set.byMetric).every((row) => Object.keys(row.by).join() === 'native');
  if (reference) continue;
  if (lines.length) lines.push('');
  lines.push(`Taisei-like stage, ${paramText(set.params)}:`, '',
             '| metric | ' + impls.join(' | ') + ' | spool / raw_jspi | spool / asyncify | spool_asyncify / asyncify |',
             '|' + '---|'.repeat(impls.length + 4));
  for (const [metric, label] of taiseiMetrics) {
    const row = set.byMetric[metric];
    if (!row) continue;
    // Ratios for costs (time, memory); the counts are there to show that all did the same work.
    const cost = row.unit === 'ms' || row.unit === 'MiB';
    lines.push(`| ${label} | ` + impls.map((i) => fmt(row.by[i])).join(' | ') +
               (cost ? ` | ${ratio(row.by.spool, row.by.raw_jspi)} | ${ratio(row.by.spool, row.by.asyncify)} | ${ratio(row.by.spool_asyncify, row.by.asyncify)} |` : ' | | | |'));
  }
  const hashes = Object.fromEntries(impls.map((i) => [i, hashOf(set, i)]));
  lines.push('| final state hash | ' + impls.map((i) => hashes[i] ?? '-').join(' | ') + ' | | | |');
  // spool must evolve identically natively and in wasm. The baselines follow spool's task order
  // by design, so an equal hash also says they ran the same tasks in the same order.
  const native = hashes.native;
  const verdict = impls.filter((i) => i !== 'native' && hashes[i] !== undefined).map((i) => {
    const same = native !== undefined && hashes[i] === native;
    const note = same ? '' : (i.startsWith('spool') ? ' (MISMATCH: the scheduler behaves differently)' : ' (different task order)');
    return `${i} ${same ? '==' : '!='} native${note}`;
  });
  lines.push('', `taisei ${paramText(set.params)}: state hash ${verdict.join(', ')}`);
}
fs.writeFileSync(path.join(outDir, 'table.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));

// Chart: time-per-operation workloads as grouped bars (log scale), one group per row.
const timeRows = [...rows.values()].filter((r) => r.unit === 'ns' && r.workload !== 'compute');
const colors = {spool: '#2b7bb9', raw_jspi: '#7fb800', asyncify: '#e4572e', spool_asyncify: '#9b59b6', native: '#888888'};
// Below it, the Taisei-like stage: ms per frame (p50 and p99 of the tick), linear scale.
const taiseiRows = [...taiseiSets.values()].flatMap((set) => ['tick_p50', 'tick_p99']
  .filter((m) => set.byMetric[m]).map((m) => ({label: `taisei ${paramText(set.params)} ${m}`, row: set.byMetric[m]})));
const W = 960, rowH = 40, top = 60, left = 250;
const taiseiTop = top + timeRows.length * rowH + 50;
const H = taiseiTop + (taiseiRows.length ? 30 + taiseiRows.length * rowH : 0) + 20;
const maxV = Math.max(...timeRows.flatMap((r) => impls.map((i) => r.by[i] || 1)));
const scale = (v) => (Math.log10(Math.max(v, 1)) / Math.log10(maxV * 1.5)) * (W - left - 120);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
svg += `<rect width="100%" height="100%" fill="white"/>\n`;
svg += `<text x="10" y="20" font-size="15" font-weight="bold">spool benchmarks: ns per operation (log scale, lower is better)</text>\n`;
svg += `<text x="10" y="38" fill="#555">${env.machine}; ${env.node}; ${env.emscripten}; ${env.compiler}; medians of ${env.runs} runs</text>\n`;
impls.forEach((impl, k) => {
  svg += `<rect x="${left + k * 130}" y="44" width="10" height="10" fill="${colors[impl]}"/><text x="${left + k * 130 + 14}" y="53">${impl}</text>\n`;
});
timeRows.forEach((row, idx) => {
  const y = top + idx * rowH;
  svg += `<text x="${left - 8}" y="${y + 20}" text-anchor="end">${row.workload} ${paramText(row.params)}</text>\n`;
  impls.forEach((impl, k) => {
    const v = row.by[impl];
    if (v === undefined) return;
    const w = Math.max(1, scale(v));
    svg += `<rect x="${left}" y="${y + 4 + k * 7}" width="${w.toFixed(1)}" height="6" fill="${colors[impl]}"/>` +
           `<text x="${left + w + 4}" y="${y + 10 + k * 7}" font-size="8">${fmt(v)}</text>\n`;
  });
});
if (taiseiRows.length) {
  svg += `<text x="10" y="${taiseiTop + 10}" font-size="15" font-weight="bold">Taisei-like stage: ms per frame, scheduler + tasks (linear scale, lower is better)</text>\n`;
  const maxMs = Math.max(...taiseiRows.flatMap(({row}) => impls.map((i) => row.by[i] || 0)));
  const msScale = (v) => (v / (maxMs * 1.1)) * (W - left - 120);
  taiseiRows.forEach(({label, row}, idx) => {
    const y = taiseiTop + 30 + idx * rowH;
    svg += `<text x="${left - 8}" y="${y + 20}" text-anchor="end">${label}</text>\n`;
    impls.forEach((impl, k) => {
      const v = row.by[impl];
      if (v === undefined) return;
      const w = Math.max(1, msScale(v));
      svg += `<rect x="${left}" y="${y + 4 + k * 7}" width="${w.toFixed(1)}" height="6" fill="${colors[impl]}"/>` +
             `<text x="${left + w + 4}" y="${y + 10 + k * 7}" font-size="8">${fmt(v)} ms</text>\n`;
    });
  });
}
svg += '</svg>\n';
fs.writeFileSync(path.join(outDir, 'chart.svg'), svg);
console.log(jsonPath);
