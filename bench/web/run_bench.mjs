// Runs spool's benchmark programs (their Emscripten builds, as scripts/bench.sh runs them under
// Node) in headless browsers: each program in a fresh page of host.html, in every engine, and
// writes the RESULT lines of each run with an "engine" field to <out>/run-<n>.txt, for report.mjs.
// Within a run the engines alternate which goes first, program by program, so that a slow spell of
// the machine falls on both.
//   node run_bench.mjs --site DIR --serve demos/web/serve.js --out DIR [--runs 3] [--quick]
//                      [--engines chromium,firefox] [--frames 3600] [--ks 1,2,4] [--only REGEX]
// --site: a folder with host.html, host.js and the programs under <impl folder>/micro and /taisei
// (scripts/bench_web.sh assembles it). A program that fails or crashes its page in one engine is
// listed in <out>/failures.txt and on stderr, and the runs go on without its records; the exit
// status is 1 only if nothing at all was measured.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, startServer, stopServer } from '../../tests/web/browsers.mjs';

const { values: options } = parseArgs({
  options: {
    site: { type: 'string' },
    serve: { type: 'string' },
    out: { type: 'string' },
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'chromium,firefox' },
    frames: { type: 'string' },
    ks: { type: 'string', default: '1,2,4' },
    only: { type: 'string' },
    'timeout-seconds': { type: 'string', default: '900' },
  },
});
for (const required of ['site', 'serve', 'out']) {
  if (!options[required]) throw new Error(`run_bench.mjs: --${required} is required`);
}
const engines = options.engines.split(',');
const frames = options.frames ?? (options.quick ? '600' : '3600');
const timeoutMs = Number(options['timeout-seconds']) * 1000;

// [label, program path in the site, its arguments]. The implementation a record belongs to is in
// the record itself; spool on its Asyncify fallback prints "spool" too, and is renamed below.
const programs = [];
for (const [folder, micro] of [['jspi', 'spool_bench'], ['jspi', 'raw_jspi_bench'], ['jspi', 'asyncify_bench'],
                               ['asyncify', 'spool_bench']]) {
  programs.push({ folder, path: `${folder}/micro/${micro}.js`, args: options.quick ? ['quick'] : [] });
}
for (const k of options.ks.split(',')) {
  for (const [folder, taisei] of [['jspi', 'spool_taisei'], ['jspi', 'raw_jspi_taisei'], ['jspi', 'asyncify_taisei'],
                                  ['asyncify', 'spool_taisei']]) {
    programs.push({ folder, path: `${folder}/taisei/${taisei}.js`, args: [frames, k, '1'] });
  }
}
// The minimal raw-JSPI reproducer (bench/engine/handoff.html): the engine's own floor for a switch.
programs.push({ folder: 'engine', path: 'handoff.html', args: [],
                query: `stacks=2,1000,10000&switches=${options.quick ? 20000 : 200000}` });
// The web demo (demos/web, JSPI build, in the site's demo/ folder) at K = 2: the scheduler's time
// per frame its HUD shows, as a user would read it.
programs.push({ folder: 'demo', path: 'demo/index.html', args: [], demo: { k: 2, warmupFrames: 120, frames: 300 } });
const selected = options.only ? programs.filter((p) => new RegExp(options.only).test(p.path)) : programs;

// One record line per RESULT line, with the engine; spool's Asyncify build is "spool_asyncify", as
// scripts/bench.sh names it. Records without a value (memory: a page has no resident-set figure)
// are left out.
function records(lines, engine, folder) {
  const out = [];
  for (const line of lines) {
    if (!line.startsWith('RESULT ')) continue;
    let record;
    try {
      record = JSON.parse(line.slice(7));
    } catch {
      continue;  // "nan" from a C program's memory figure
    }
    if (typeof record.value !== 'number' || !Number.isFinite(record.value)) continue;
    if (folder === 'asyncify' && record.impl === 'spool') record.impl = 'spool_asyncify';
    out.push('RESULT ' + JSON.stringify({ ...record, engine }));
  }
  return out;
}

async function runProgram(browser, url, program) {
  const page = await browser.newPage();
  try {
    if (program.query !== undefined) {
      await page.goto(`${url}${program.path}?${program.query}`);  // a page of its own
    } else {
      const query = new URLSearchParams({ program: program.path });
      for (const arg of program.args) query.append('arg', arg);
      // Emscripten's Asyncify fiber programs do not say when they are over (see host.js).
      if (/\/asyncify_[a-z]+\.js$/.test(program.path)) query.set('end', 'idle');
      await page.goto(`${url}host.html?${query}`);
    }
    // Polls on a timer: a program keeps the page's thread busy for seconds at a time.
    await page.waitForFunction(() => window.bench?.done === true, { timeout: timeoutMs, polling: 500 });
    return await page.evaluate(() => window.bench);
  } finally {
    await page.close().catch(() => {});  // a crashed page may be gone already
  }
}

// Loads the demo, lets it warm up, then takes the HUD's numbers of every frame for a while (polled
// on a timer: the page's animation frames are the game loop's alone). Records: the medians.
async function runDemo(browser, url, { k, warmupFrames, frames }) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1280, height: 780 });
    await page.goto(`${url}demo/index.html?k=${k}`);
    await page.waitForFunction((n) => (window.spoolDemo?.frame ?? 0) >= n, { timeout: timeoutMs, polling: 100 }, warmupFrames);
    const samples = await page.evaluate((count) => new Promise((done) => {
      const taken = { schedulerMs: [], frameMs: [], switchesPerFrame: [], liveFibers: [] };
      let last = window.spoolDemo.frame;
      const timer = setInterval(() => {
        const demo = window.spoolDemo;
        if (demo.frame === last) return;
        last = demo.frame;
        for (const key of Object.keys(taken)) taken[key].push(demo[key]);
        if (taken.schedulerMs.length >= count) {
          clearInterval(timer);
          done({ ...taken, backend: demo.backend });
        }
      }, 4);
    }), frames);
    if (samples.backend !== 'jspi') throw new Error(`the demo ran its ${samples.backend} build, not JSPI`);
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const record = (metric, value, unit) => `RESULT ${JSON.stringify({
      workload: 'web_demo', impl: 'spool', metric, value, unit, params: { K: k } })}`;
    return {
      failure: null, errors: [],
      lines: [record('scheduler_ms_per_frame', median(samples.schedulerMs), 'ms'),
              record('frame_ms', median(samples.frameMs), 'ms'),
              record('switches_per_frame', median(samples.switchesPerFrame), 'switches'),
              record('live_fibers', median(samples.liveFibers), 'fibers')],
    };
  } finally {
    await page.close();
  }
}

async function main() {
  fs.mkdirSync(options.out, { recursive: true });
  fs.rmSync(path.join(options.out, 'failures.txt'), { force: true });
  let measured = 0;
  const { server, url } = await startServer(options.serve, options.site);
  const browsers = {};
  try {
    for (const engine of engines) {
      browsers[engine] = await launchBrowser(engine, { protocolTimeoutMs: timeoutMs });
      console.error(`${engine}: ${await browsers[engine].version()}`);
    }
    const versions = Object.fromEntries(await Promise.all(engines.map(async (e) => [e, await browsers[e].version()])));
    fs.writeFileSync(path.join(options.out, 'browsers.json'), JSON.stringify(versions) + '\n');
    const runs = Number(options.runs);
    for (let run = 1; run <= runs; ++run) {
      const file = path.join(options.out, `run-${run}.txt`);
      fs.writeFileSync(file, '');
      selected.forEach((program, index) => program.order = (run + index) % 2 ? engines : [...engines].reverse());
      for (const program of selected) {
        for (const engine of program.order) {
          const started = Date.now();
          const what = `run ${run}/${runs}: ${engine} ${program.path} ${program.args.join(' ')}`;
          let result;
          try {
            result = program.demo ? await runDemo(browsers[engine], url, program.demo)
                                  : await runProgram(browsers[engine], url, program);
          } catch (error) {
            // "Waiting failed" with Firefox: the page's content process died (its tab became a
            // parent-process error page).
            result = { failure: `the page failed or crashed: ${error.message}`, errors: [], lines: [] };
          }
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          if (result.failure) {
            const report = `${what}: FAILED after ${seconds} s: ${result.failure}` +
                           (result.errors.length ? `\n  ${result.errors.slice(-10).join('\n  ')}` : '');
            console.error(report);
            fs.appendFileSync(path.join(options.out, 'failures.txt'), report + '\n');
            continue;
          }
          measured++;
          const lines = records(result.lines, engine, program.folder);
          fs.appendFileSync(file, lines.join('\n') + (lines.length ? '\n' : ''));
          console.error(`${what}: ${lines.length} records, ${seconds} s`);
        }
      }
    }
  } finally {
    for (const browser of Object.values(browsers)) await browser.close().catch(() => {});
    stopServer(server);
  }
  if (!measured) throw new Error('no program ran to its end in any engine');
}

main().catch((error) => {
  console.error(`run_bench.mjs: ${error.stack || error}`);
  process.exit(1);
});
