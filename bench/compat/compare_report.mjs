// Turns the runs of fiber_compare (spool and Asyncify builds of one source) into the side-by-side
// table (stdout and <out dir>/compare.md) and a JSON file of flat records
// {workload, impl, metric, value, unit, params} (<out dir>/compare.json), whose path is printed
// last. Each timed figure is the median over the runs of each run's own median. Fails if any two
// runs printed different checksums of their work.
//   node compare_report.mjs <out dir> <environment json> <sizes json> <run output file>...
// sizes json: {"spool": {"wasm": bytes, "js": bytes}, "asyncify": {...}}; every run output file
// holds the stdout of one run of one build (its RESULT and CHECKSUM lines).
import fs from 'node:fs';
import path from 'node:path';

const [outDir, envJson, sizesJson, ...runFiles] = process.argv.slice(2);
const env = JSON.parse(envJson);
const sizes = JSON.parse(sizesJson);
const impls = ['spool', 'asyncify'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Collect the per-run medians, keyed by what they measure; and every checksum with its source.
const groups = new Map();
const checksums = [];
for (const file of runFiles) {
  let impl = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('RESULT ')) {
      const r = JSON.parse(line.slice(7));
      impl = r.impl;
      const key = JSON.stringify([r.workload, r.impl, r.metric, r.params]);
      if (!groups.has(key)) groups.set(key, {...r, values: []});
      groups.get(key).values.push(r.value);
    } else if (line.startsWith('CHECKSUM ')) {
      checksums.push({file, impl, checksum: line.slice(9).trim()});
    }
  }
}
for (const impl of impls) {
  if (!checksums.some((c) => c.impl === impl)) {
    console.error(`compare: no run of the ${impl} build printed its checksum`);
    process.exit(1);
  }
}
const distinct = [...new Set(checksums.map((c) => c.checksum))];
if (distinct.length !== 1) {
  console.error('compare: the builds disagree on the checksum of their work (one of them lost or ' +
                'corrupted state across a swap):');
  for (const c of checksums) console.error(`  ${c.impl}: ${c.checksum}  (${c.file})`);
  process.exit(1);
}
const checksum = distinct[0];

const records = [];
for (const impl of impls) {
  records.push({workload: 'size', impl, metric: 'wasm_bytes', value: sizes[impl].wasm, unit: 'bytes', params: {}});
  records.push({workload: 'size', impl, metric: 'js_bytes', value: sizes[impl].js, unit: 'bytes', params: {}});
}
for (const {values, ...r} of groups.values()) {
  records.push({...r, value: Number(median(values).toPrecision(6)), params: {...r.params, runs: values.length}});
}
for (const impl of impls) {
  records.push({workload: 'checksum', impl, metric: 'work_checksum', value: parseInt(checksum, 16),
                unit: 'hash', params: {runs: checksums.filter((c) => c.impl === impl).length}});
}

// The table: one row per figure, the builds side by side.
const find = (impl, workload, metric, test = () => true) =>
  records.find((r) => r.impl === impl && r.workload === workload && r.metric === metric && test(r.params));
const rows = [
  ['wasm size (bytes)', (i) => find(i, 'size', 'wasm_bytes')],
  ['JS size (bytes)', (i) => find(i, 'size', 'js_bytes')],
];
for (const depth of [...new Set(records.filter((r) => r.workload === 'depth').map((r) => r.params.depth))]) {
  rows.push([`ns per swap round trip, call depth ${depth}`,
             (i) => find(i, 'depth', 'ns_per_round_trip', (p) => p.depth === depth)]);
}
const spawn = find('spool', 'spawn_finish', 'ns_per_fiber');
if (spawn) {
  rows.push([`spawn+finish, ns per fiber (pool of ${spawn.params.pool} recycled structs)`,
             (i) => find(i, 'spawn_finish', 'ns_per_fiber')]);
}
const fmt = (v) => v === undefined ? '-' : (Math.abs(v) >= 100 ? Math.round(v).toString() : v.toPrecision(3));
const lines = ['| | spool (JSPI) | Asyncify | spool / Asyncify |', '|---|---:|---:|---:|'];
for (const [label, pick] of rows) {
  const [s, a] = impls.map((i) => pick(i)?.value);
  const ratio = s === undefined || a === undefined || a === 0 ? '-' : (s / a).toFixed(2) + 'x';
  lines.push(`| ${label} | ${fmt(s)} | ${fmt(a)} | ${ratio} |`);
}

const depthParams = find('spool', 'depth', 'ns_per_round_trip')?.params ?? {};
lines.push('');
lines.push(`- machine: ${env.machine}`);
lines.push(`- engine: ${env.engine}`);
lines.push(`- compiler: ${env.compiler}`);
lines.push(`- method: ${env.command}; ${env.runs} runs of each build, alternating; each run reports the ` +
           `median of ${depthParams.repeats} repeats (${depthParams.round_trips} round trips per depth ` +
           `repeat, ${spawn?.params.fibers} fibers per spawn repeat) after a warm-up; the table shows ` +
           'the median over the runs.');
lines.push(`- correctness: every run of both builds printed the same checksum of its work, ${checksum}.`);
const table = lines.join('\n') + '\n';

fs.mkdirSync(outDir, {recursive: true});
fs.writeFileSync(path.join(outDir, 'compare.md'), table);
const jsonPath = path.join(outDir, 'compare.json');
fs.writeFileSync(jsonPath, JSON.stringify({environment: env, records}, null, 1) + '\n');
process.stdout.write(table);
console.log(jsonPath);
