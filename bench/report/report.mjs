// Turns the RESULT lines of several benchmark runs into one JSON file of flat records
// {workload, impl, metric, value, unit, params} (the median over the runs, with the run count;
// records from browsers, scripts/bench_web.sh, also carry the engine that ran them: "engine"),
// an SVG chart, and a table on stdout. The JSON file's path is printed last. Exits 1 (after
// printing all that) when implementations of the Taisei-like stage disagree on its final state
// hash or counts, or one implementation's runs do: the message names the workload and them.
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
// Asyncify fibers. koishi_spool / koishi_asyncify: the stage on <emscripten/fiber.h> with koishi's
// recycling of fiber structs, on spool's emscripten_fiber layer and on Emscripten's Asyncify.
const impls = ['spool', 'raw_jspi', 'asyncify', 'spool_asyncify', 'koishi_spool', 'koishi_asyncify', 'native'];
// The ratios shown for costs: each pair is (numerator, denominator).
const ratioPairs = [['spool', 'raw_jspi'], ['spool', 'asyncify'], ['spool_asyncify', 'asyncify'],
                    ['koishi_spool', 'koishi_asyncify']];
const rows = new Map();
// In the tables and the chart the engine reads as the first parameter.
const shownParams = (r) => r.engine ? {engine: r.engine, ...r.params} : r.params;
for (const r of records) {
  const params = shownParams(r);
  const key = JSON.stringify([r.workload, r.metric, params]);
  if (!rows.has(key)) rows.set(key, {workload: r.workload, metric: r.metric, params, unit: r.unit, by: {}, runsBy: {}});
  rows.get(key).by[r.impl] = r.value;
  rows.get(key).runsBy[r.impl] = groups.get(JSON.stringify([r.workload, r.impl, r.metric, r.params, r.engine])).values;
}
const fmt = (v) => v === undefined ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const paramText = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
const ratio = (a, b) => (a === undefined || b === undefined || b === 0) ? '-' : (a / b).toFixed(2) + 'x';
const ratioHeader = ratioPairs.map(([a, b]) => `${a} / ${b}`).join(' | ');
const ratioCells = (row) => ratioPairs.map(([a, b]) => ratio(row.by[a], row.by[b])).join(' | ');
const emptyRatioCells = ratioPairs.map(() => '').join(' | ');
const lines = ['| workload | metric | params | ' + impls.join(' | ') + ' | ' + ratioHeader + ' |',
               '|' + '---|'.repeat(impls.length + 3 + ratioPairs.length)];
for (const row of rows.values()) {
  if (row.workload === 'taisei') continue;  // its own table below
  lines.push(`| ${row.workload} | ${row.metric} (${row.unit}) | ${paramText(row.params)} | ` +
             impls.map((i) => fmt(row.by[i])).join(' | ') + ` | ${ratioCells(row)} |`);
}
if (lines.length === 2) lines.length = 0;  // only the Taisei stage was run: no empty table
// The Taisei-like stage: one table per parameter set (K), every implementation side by side.
const taiseiMetrics = [
  ['tick_p50', 'tick p50 (ms)'], ['tick_p99', 'tick p99 (ms)'], ['tick_total', 'all ticks (ms)'],
  ['switches_per_frame', 'switches per frame'],
  ['spawns', 'tasks spawned'], ['state_updates', 'task-frames of work (state updates)'],
  ['frames_run', 'frames run'], ['peak_live_tasks', 'peak live tasks'],
  ['peak_resident_memory', 'peak resident memory (MiB)'],
  ['gc_scavenges_per_1000_frames', 'scavenges per 1,000 frames'], ['gc_scavenge_ms_per_frame', 'scavenge ms per frame'],
  ['gc_scavenge_max_ms', 'longest scavenge (ms)'], ['gc_majors_per_1000_frames', 'major GCs per 1,000 frames'],
  ['gc_major_ms_per_frame', 'major GC ms per frame'], ['gc_major_max_ms', 'longest major GC pause (ms)'],
];
// What every implementation of one stage must agree on, run after run: the stage is deterministic
// and every host runs its tasks in spool's order, so the same work shows as the same counts and
// the same final state hash (two exact 32-bit halves).
const mustAgree = ['state_hash_high', 'state_hash_low', 'spawns', 'state_updates', 'frames_run', 'peak_live_tasks'];
const taiseiSets = new Map();  // params JSON -> {params, metric -> row}
for (const row of rows.values()) {
  if (row.workload !== 'taisei') continue;
  const key = JSON.stringify(row.params);
  if (!taiseiSets.has(key)) taiseiSets.set(key, {params: row.params, byMetric: {}});
  taiseiSets.get(key).byMetric[row.metric] = row;
}
const hex32 = (v) => v.toString(16).padStart(8, '0');
const hashOf = (set, impl) => {
  // spool's native run belongs to no browser: the stage with the same parameters, whatever the engine.
  if (impl === 'native' && set.params.engine && !set.byMetric.state_hash_high?.by.native) {
    const {engine, ...params} = set.params;
    const reference = taiseiSets.get(JSON.stringify(params));
    return reference && reference !== set ? hashOf(reference, impl) : undefined;
  }
  const high = set.byMetric.state_hash_high?.by[impl], low = set.byMetric.state_hash_low?.by[impl];
  if (high === undefined || low === undefined) return undefined;
  return hex32(high) + hex32(low);
};
const disagreements = [];
for (const set of taiseiSets.values()) {
  // spool's native run alone, beside browser runs: only the reference for their state hashes.
  const reference = [...taiseiSets.values()].some((other) => other.params.engine) &&
                    Object.values(set.byMetric).every((row) => Object.keys(row.by).join() === 'native');
  if (reference) continue;
  const where = `taisei ${paramText(set.params)}`;
  if (lines.length) lines.push('');
  lines.push(`Taisei-like stage, ${paramText(set.params)}:`, '',
             '| metric | ' + impls.join(' | ') + ' | ' + ratioHeader + ' |',
             '|' + '---|'.repeat(impls.length + 1 + ratioPairs.length));
  for (const [metric, label] of taiseiMetrics) {
    const row = set.byMetric[metric];
    if (!row) continue;
    // Ratios for costs (time, memory); the counts are there to show that all did the same work.
    const cost = row.unit === 'ms' || row.unit === 'MiB';
    lines.push(`| ${label} | ` + impls.map((i) => fmt(row.by[i])).join(' | ') + ` | ${cost ? ratioCells(row) : emptyRatioCells} |`);
  }
  const hashes = Object.fromEntries(impls.map((i) => [i, hashOf(set, i)]));
  lines.push('| final state hash | ' + impls.map((i) => hashes[i] ?? '-').join(' | ') + ` | ${emptyRatioCells} |`);
  // The hashes compared include a native reference for browser runs (hashOf); the counts, only
  // the implementations that ran in this set.
  const present = impls.filter((i) => hashes[i] !== undefined);
  const ran = impls.filter((i) => set.byMetric.state_hash_high?.by[i] !== undefined);
  if (new Set(present.map((i) => hashes[i])).size > 1) {
    disagreements.push(`${where}: final state hash differs: ` + present.map((i) => `${i} ${hashes[i]}`).join(', '));
  }
  for (const metric of mustAgree) {
    const row = set.byMetric[metric];
    const missing = ran.filter((i) => row?.by[i] === undefined);
    if (missing.length) disagreements.push(`${where}: ${metric} not reported by ${missing.join(', ')}`);
    if (!row) continue;
    for (const impl of ran) {
      const runs = row.runsBy[impl];
      if (runs && new Set(runs).size > 1) {
        disagreements.push(`${where}: ${metric} of ${impl} differs between runs (${runs.join(', ')})`);
      }
    }
    const values = ran.filter((i) => row.by[i] !== undefined);
    if (!metric.startsWith('state_hash') && new Set(values.map((i) => row.by[i])).size > 1) {
      disagreements.push(`${where}: ${metric} differs: ` + values.map((i) => `${i} ${row.by[i]}`).join(', '));
    }
  }
  lines.push('', `${where}: ` + (disagreements.some((d) => d.startsWith(where + ':'))
    ? 'MISMATCH (see below)' : `state hash and counts agree in ${present.join(', ')}`));
}
fs.writeFileSync(path.join(outDir, 'table.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));

// Chart: time-per-operation workloads as grouped bars (log scale), one group per row.
const timeRows = [...rows.values()].filter((r) => r.unit === 'ns' && r.workload !== 'compute');
const colors = {spool: '#2b7bb9', raw_jspi: '#7fb800', asyncify: '#e4572e', spool_asyncify: '#9b59b6',
                koishi_spool: '#17becf', koishi_asyncify: '#f1a208', native: '#888888'};
// Below it, the Taisei-like stage: ms per frame (p50 and p99 of the tick), linear scale.
const taiseiRows = [...taiseiSets.values()].flatMap((set) => ['tick_p50', 'tick_p99']
  .filter((m) => set.byMetric[m]).map((m) => ({label: `taisei ${paramText(set.params)} ${m}`, row: set.byMetric[m]})));
const W = 1100, rowH = 54, top = 60, left = 250;  // a row: one 7-pixel bar per implementation
const taiseiTop = top + timeRows.length * rowH + 50;
const H = taiseiTop + (taiseiRows.length ? 30 + taiseiRows.length * rowH : 0) + 20;
const maxV = Math.max(...timeRows.flatMap((r) => impls.map((i) => r.by[i] || 1)));
const scale = (v) => (Math.log10(Math.max(v, 1)) / Math.log10(maxV * 1.5)) * (W - left - 120);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
svg += `<rect width="100%" height="100%" fill="white"/>\n`;
svg += `<text x="10" y="20" font-size="15" font-weight="bold">spool benchmarks: ns per operation (log scale, lower is better)</text>\n`;
svg += `<text x="10" y="38" fill="#555">${env.machine}; ${env.node}; ${env.emscripten}; ${env.compiler}; medians of ${env.runs} runs</text>\n`;
impls.forEach((impl, k) => {
  svg += `<rect x="${left + k * 120}" y="44" width="10" height="10" fill="${colors[impl]}"/><text x="${left + k * 120 + 14}" y="53">${impl}</text>\n`;
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

// Implementations that did different work cannot be compared: the run fails, naming them.
if (disagreements.length) {
  console.error('bench report: implementations disagree; their figures are not comparable:');
  for (const d of disagreements) console.error('  ' + d);
  process.exit(1);
}
