// Turns the RESULT lines of several benchmark runs into one JSON file of flat records
// {workload, impl, metric, value, unit, params} (the median over the runs, with the run count),
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
    const key = JSON.stringify([r.workload, r.impl, r.metric, r.params]);
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
const impls = ['spool', 'raw_jspi', 'asyncify', 'native'];
const rows = new Map();
for (const r of records) {
  const key = JSON.stringify([r.workload, r.metric, r.params]);
  if (!rows.has(key)) rows.set(key, {workload: r.workload, metric: r.metric, params: r.params, unit: r.unit, by: {}});
  rows.get(key).by[r.impl] = r.value;
}
const fmt = (v) => v === undefined ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const paramText = (p) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
const lines = ['| workload | metric | params | ' + impls.join(' | ') + ' | spool / raw_jspi | spool / asyncify |',
               '|' + '---|'.repeat(impls.length + 5)];
for (const row of rows.values()) {
  const ratio = (a, b) => (a === undefined || b === undefined || b === 0) ? '-' : (a / b).toFixed(2) + 'x';
  lines.push(`| ${row.workload} | ${row.metric} (${row.unit}) | ${paramText(row.params)} | ` +
             impls.map((i) => fmt(row.by[i])).join(' | ') +
             ` | ${ratio(row.by.spool, row.by.raw_jspi)} | ${ratio(row.by.spool, row.by.asyncify)} |`);
}
// The Taisei-like stage must evolve identically natively and in wasm.
for (const row of rows.values()) {
  if (row.workload !== 'taisei' || row.metric !== 'state_hash_low') continue;
  const high = [...rows.values()].find((r) => r.workload === 'taisei' && r.metric === 'state_hash_high' &&
                                       JSON.stringify(r.params) === JSON.stringify(row.params));
  const same = row.by.spool === row.by.native && high && high.by.spool === high.by.native;
  lines.push(`\ntaisei ${paramText(row.params)}: state hash native ${same ? '==' : '!='} wasm` +
             (same ? '' : ' (MISMATCH: the scheduler behaves differently)'));
}
fs.writeFileSync(path.join(outDir, 'table.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));

// Chart: time-per-operation workloads as grouped bars (log scale), one group per row.
const timeRows = [...rows.values()].filter((r) => r.unit === 'ns' && r.workload !== 'compute');
const colors = {spool: '#2b7bb9', raw_jspi: '#7fb800', asyncify: '#e4572e', native: '#888888'};
const W = 960, rowH = 34, top = 60, left = 250, H = top + timeRows.length * rowH + 40;
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
svg += '</svg>\n';
fs.writeFileSync(path.join(outDir, 'chart.svg'), svg);
console.log(jsonPath);
