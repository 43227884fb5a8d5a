// Boots the demo: picks the build this browser runs (spool_loader.js: the JSPI one where the
// browser has JSPI, the Asyncify one where it has not and the site has it; if neither, says which
// browsers work), loads the wasm module, hands each frame to the renderer and the HUD, and wires
// the controls. The numbers of the last frame are also on `window.spoolDemo`, with the controls
// as methods. `?spool-backend=asyncify` forces a build.
import { Hud } from './hud.js';
import { Renderer } from './renderer.js';

const MIN_SCALE = 1;
const MAX_SCALE = 8;
const DEFAULT_SCALE = 2;

// The builds on this site (builds.js, written by the build) and the one this browser runs.
const builds = window.spoolDemoBuilds ?? { jspi: 'spool_web_demo.js' };
const picked = window.spoolLoader.choose(builds, new URLSearchParams(location.search).get('spool-backend'));

function showUnsupported(detail) {
  if (detail) document.getElementById('unsupported-detail').textContent = detail;
  document.getElementById('unsupported').hidden = false;
  for (const control of document.querySelectorAll('#controls input, #controls button')) control.disabled = true;
}

function showFailure(text) {
  document.getElementById('failure-text').textContent = String(text);
  document.getElementById('failure').hidden = false;
}

function clampScale(k) {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, Math.round(Number(k)) || DEFAULT_SCALE));
}

function start(build) {
  const initialScale = clampScale(new URLSearchParams(location.search).get('k') ?? DEFAULT_SCALE);
  const renderer = new Renderer(document.getElementById('playfield'));
  const hud = new Hud(document);
  const scaleInput = document.getElementById('scale');
  const scaleOutput = document.getElementById('scale-value');
  const pauseButton = document.getElementById('pause');
  const inspector = document.getElementById('inspector');
  let runtimeReady = false;
  let lastScaleShown = 0;

  // Emscripten's generated spool_web_demo.js reads its settings from this global.
  const Module = window.Module = {
    // main(argc, argv) gets these: the scale K to start with.
    arguments: [`--scale=${initialScale}`],
    // Emscripten prints stderr as warnings; spool's reports there are errors in this demo.
    printErr: (text) => console.error(text),
    onRuntimeInitialized: () => { runtimeReady = true; },
    onAbort: (what) => showFailure(`aborted: ${what}`),
    // The runtime checks the engine again when it starts (js/spool_runtime.js).
    onSpoolUnsupported: (message) => showUnsupported(message),
    // The fiber inspector's text, each frame while it is shown (page_bridge.cpp).
    spoolDemoInspector(text) {
      inspector.textContent = text;
      demo.inspectorText = text;
    },
    // Called by the game loop once a frame (page_bridge.cpp), inside the wasm call.
    spoolDemoPresent(records, floatsPerSlot, hudJson) {
      const numbers = JSON.parse(hudJson);
      const drawStart = performance.now();
      renderer.draw(records, floatsPerSlot, numbers);
      numbers.drawMs = performance.now() - drawStart;
      hud.update(numbers);
      Object.assign(demo, numbers);
      if (numbers.scale !== lastScaleShown) {
        lastScaleShown = numbers.scale;
        scaleInput.value = String(numbers.scale);
        scaleOutput.textContent = String(numbers.scale);
      }
      pauseButton.textContent = numbers.paused ? 'Resume' : 'Pause';
    },
  };

  // The controls call the module's exports, which only set state for the next frame.
  const demo = window.spoolDemo = {
    supported: true,
    backend: build.backend,
    setScale(k) {
      const scale = clampScale(k);
      if (runtimeReady) Module._spool_demo_set_scale(scale);
      else Module.arguments = [`--scale=${scale}`];
    },
    setPaused(paused) { if (runtimeReady) Module._spool_demo_set_paused(paused ? 1 : 0); },
    togglePause() { this.setPaused(!this.paused); },
    // The fiber inspector overlay ('i').
    toggleInspector() {
      inspector.hidden = !inspector.hidden;
      if (runtimeReady) Module._spool_demo_set_inspector(inspector.hidden ? 0 : 1);
    },
    // One frame: pauses first if running.
    step() {
      if (!runtimeReady) return;
      Module._spool_demo_set_paused(1);
      Module._spool_demo_step();
    },
  };

  scaleInput.addEventListener('input', () => demo.setScale(scaleInput.value));
  document.getElementById('scale-down').addEventListener('click', () => demo.setScale((demo.scale ?? initialScale) - 1));
  document.getElementById('scale-up').addEventListener('click', () => demo.setScale((demo.scale ?? initialScale) + 1));
  pauseButton.addEventListener('click', () => demo.togglePause());
  document.getElementById('step').addEventListener('click', () => demo.step());
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key >= '1' && key <= '8') demo.setScale(Number(key));
    else if (key === '+' || key === '=') demo.setScale((demo.scale ?? initialScale) + 1);
    else if (key === '-' || key === '_') demo.setScale((demo.scale ?? initialScale) - 1);
    else if (key === 'p' || key === 'P' || key === ' ') demo.togglePause();
    else if (key === 's' || key === 'S' || key === '.') demo.step();
    else if (key === 'i' || key === 'I') demo.toggleInspector();
    else return;
    event.preventDefault();
  });

  window.addEventListener('error', (event) => showFailure(event.error?.stack ?? event.message));
  window.addEventListener('unhandledrejection', (event) => showFailure(event.reason?.stack ?? event.reason));

  document.getElementById('backend').textContent = build.backend === 'jspi' ? 'JSPI' : 'Asyncify';
  const script = document.createElement('script');
  script.src = build.file;
  script.onerror = () => showFailure(`could not load ${build.file}: build the demo first (scripts/web_demo.sh)`);
  document.body.appendChild(script);
}

if (picked.backend) {
  start(picked);
} else {
  window.spoolDemo = { supported: false };
  showUnsupported(picked.message);
}
