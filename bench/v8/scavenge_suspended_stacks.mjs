// Minimal reproducer for V8 (no Emscripten, no spool): every young-generation GC (scavenge) walks
// every suspended JSPI stack frame by frame, so its cost grows with the number of suspended stacks
// and their depth, though nothing on those stacks is young. A game keeping thousands of fibers
// suspended pays it at every scavenge, which sets the p99 of its frame times.
//
//   node --expose-gc bench/v8/scavenge_suspended_stacks.mjs [stacks...]
//
// It makes N stacks with WebAssembly.promising, each D wasm frames deep and suspended on a
// WebAssembly.Suspending import, then times forced minor GCs (the median of several), against the
// same with no suspended stack. Prints one line per (N, D) and a JSON record per line for tools.
// The wasm module is written out below as bytes (a recursive function calling one import), so the
// file runs as it is in any Node with JSPI (Node 26: on by default).
if (typeof gc !== 'function') {
  console.error('run with --expose-gc');
  process.exit(2);
}
if (typeof WebAssembly.Suspending !== 'function' || typeof WebAssembly.promising !== 'function') {
  console.error('this engine has no JSPI (WebAssembly.Suspending / WebAssembly.promising)');
  process.exit(2);
}

// (module
//   (import "env" "wait" (func $wait))                     ;; a Suspending import
//   (func $descend (export "descend") (param $d i32)       ;; d frames, then suspends
//     (if (i32.eqz (local.get $d)) (then (call $wait))
//         (else (call $descend (i32.sub (local.get $d) (i32.const 1)))))))
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                          // magic, version
  0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,              // types: ()->(), (i32)->()
  0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x00,  // import env.wait
  0x03, 0x02, 0x01, 0x01,                                                  // func 1: (i32)->()
  0x07, 0x0b, 0x01, 0x07, 0x64, 0x65, 0x73, 0x63, 0x65, 0x6e, 0x64, 0x00, 0x01,  // export "descend"
  0x0a, 0x14, 0x01, 0x12, 0x00,                                            // code: 1 body, no locals
  0x20, 0x00, 0x45, 0x04, 0x40, 0x10, 0x00, 0x05,                          // if (d == 0) wait() else
  0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x0b, 0x0b,                    //   descend(d - 1)
]);

let resumers = [];
const wait = new WebAssembly.Suspending(() => new Promise((resolve) => resumers.push(resolve)));
const { instance } = await WebAssembly.instantiate(bytes, { env: { wait } });
const descend = WebAssembly.promising(instance.exports.descend);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// ms per forced scavenge with what is suspended now.
function scavengeMs(repeats = 15) {
  const times = [];
  for (let i = 0; i < repeats; ++i) {
    const start = performance.now();
    gc({ type: 'minor' });
    times.push(performance.now() - start);
  }
  return median(times);
}

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const stackCounts = counts.length ? counts : [1000, 4000, 10000];
const depths = [1, 16];
gc();
const baseline = scavengeMs();
console.log(`V8 ${process.versions.v8}, Node ${process.version}: forced scavenge with no suspended stack: ${baseline.toFixed(3)} ms`);
{
  // The control: as many pending async JS functions (their state is heap objects, not stacks).
  const most = Math.max(...stackCounts);
  const waiting = [];
  for (let i = 0; i < most; ++i) waiting.push((async () => { await new Promise((r) => resumers.push(r)); })());
  gc();
  console.log(`${String(most).padStart(6)} pending async JS functions (no wasm stack): ${scavengeMs().toFixed(3)} ms per scavenge`);
  resumers.forEach((resume) => resume());
  resumers = [];
  await Promise.all(waiting);
  gc();
}
for (const depth of depths) {
  for (const stacks of stackCounts) {
    const done = [];
    for (let i = 0; i < stacks; ++i) done.push(descend(depth));
    const ms = scavengeMs();
    const perStackUs = ((ms - baseline) * 1000) / stacks;
    console.log(`${String(stacks).padStart(6)} stacks suspended ${String(depth).padStart(2)} frames deep: ` +
                `${ms.toFixed(3)} ms per scavenge (${perStackUs.toFixed(2)} us per stack more than none)`);
    console.log('RESULT ' + JSON.stringify({ workload: 'v8_scavenge', impl: 'raw_jspi', metric: 'ms_per_scavenge',
                                             value: ms, unit: 'ms', params: { stacks, depth } }));
    resumers.forEach((resume) => resume());
    resumers = [];
    await Promise.all(done);
    gc();
  }
}
