// The web demo's fallback end to end: the Asyncify build in browsers without JSPI, and Debian's
// Firefox ESR. Driven by npm puppeteer-core (pinned in package.json): Chromium over CDP, Firefox
// over WebDriver BiDi, both the Debian binaries (nothing is downloaded).
//
//   node tests/web/e2e_fallback.mjs --site DIR [--jspi-site DIR] --serve demos/web/serve.js
//                                   --screenshots DIR [--frames 200] [--min-fibers 1000]
//
// DIR holds the Asyncify build of the demo (spool_web_demo.asyncify.js); --jspi-site, the JSPI
// build's folder. Both go into one site, as scripts/web_demo.sh serves them, and the page's loader
// picks one by browser. Runs:
//  1. Chromium with JSPI taken away before any page script (no Chromium 156 flag turns it off):
//     the page must pick the Asyncify build and run it;
//  2. Firefox ESR as it comes: the JSPI build if it has JSPI (Firefox 153 does), else Asyncify;
//  3. Firefox ESR with JSPI switched off by its pref (javascript.options.wasm_js_promise_integration):
//     a real engine without JSPI, which must get the Asyncify build.
// Every page is served under a Content-Security-Policy without 'unsafe-eval' (the one e2e.mjs uses),
// and no policy violation may be reported: neither build of spool's runtime, nor the loader, needs
// eval. In each: the frame counter reaches --frames (requestAnimationFrame drives the game loop), the
// HUD shows at least --min-fibers live fibers, the canvas is drawn, pause and step work, nothing
// is logged as an error and no request fails; a screenshot of each goes to --screenshots.
// Exits 0 when every check passes; otherwise prints what failed and exits 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BROWSER_BINARIES, FIREFOX_JSPI_PREF, launchBrowser, startServer, stopServer } from './browsers.mjs';

const { values: options } = parseArgs({
  options: {
    site: { type: 'string' },
    'jspi-site': { type: 'string' },
    serve: { type: 'string' },
    screenshots: { type: 'string' },
    chromium: { type: 'string', default: BROWSER_BINARIES.chromium },
    firefox: { type: 'string', default: BROWSER_BINARIES.firefox },
    frames: { type: 'string', default: '200' },
    'min-fibers': { type: 'string', default: '1000' },
    'timeout-seconds': { type: 'string', default: '120' },
  },
});
for (const required of ['site', 'serve', 'screenshots']) {
  if (!options[required]) throw new Error(`e2e_fallback.mjs: --${required} is required`);
}
const targetFrames = Number(options.frames);
const minFibers = Number(options['min-fibers']);
const timeoutMs = Number(options['timeout-seconds']) * 1000;
const POLL_MS = 50;

const failures = [];
function check(condition, message) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`);
  if (!condition) failures.push(message);
}

// One site with both builds: the Asyncify build's folder, plus the JSPI build's outputs, and a
// builds.js that lists what is there.
function assembleSite() {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-web-fallback-'));
  fs.cpSync(options.site, site, { recursive: true });
  const builds = { asyncify: 'spool_web_demo.asyncify.js' };
  if (!fs.existsSync(path.join(site, 'spool_web_demo.asyncify.wasm'))) {
    throw new Error(`no Asyncify build of the demo in ${options.site}: build spool_web_demo with -DSPOOL_CONTEXT=asyncify`);
  }
  if (options['jspi-site']) {
    for (const file of ['spool_web_demo.js', 'spool_web_demo.wasm']) {
      const from = path.join(options['jspi-site'], file);
      if (!fs.existsSync(from)) throw new Error(`no JSPI build of the demo at ${from}`);
      fs.copyFileSync(from, path.join(site, file));
    }
    builds.jspi = 'spool_web_demo.js';
  }
  fs.writeFileSync(path.join(site, 'builds.js'), `window.spoolDemoBuilds = ${JSON.stringify(builds)};\n`);
  return { site, builds };
}

// The policy a site that forbids eval would send (as in e2e.mjs); wasm compilation itself still
// needs 'wasm-unsafe-eval'.
const STRICT_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";

function watchForErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /^spool/.test(message.text())) errors.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.stack || error}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return errors;
}

async function hudNumber(page, id) {
  const text = await page.$eval(`#${id}`, (element) => element.textContent);
  return Number(text.replace(/,/g, ''));
}

// Runs the demo in `browser` and checks it; `expected` is the build the page must pick.
async function checkDemo(browser, url, label, { expected, removeJspi, screenshot }) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 780 });
  const errors = watchForErrors(page);
  await page.evaluateOnNewDocument(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || '(inline)'}`);
    });
  });
  if (removeJspi) {
    await page.evaluateOnNewDocument(() => {
      delete WebAssembly.Suspending;
      delete WebAssembly.promising;
    });
  }
  const response = await page.goto(url);
  const policy = response?.headers()['content-security-policy'] ?? '';
  check(policy === STRICT_CSP, `${label}: the page is served with the strict policy ("${policy}")`);
  const engine = await page.evaluate(() => ({
    jspi: typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function',
    agent: navigator.userAgent,
  }));
  console.log(`${label}: ${engine.agent}; JSPI ${engine.jspi ? 'present' : 'absent'}`);
  try {
    await page.waitForFunction((frames) => (window.spoolDemo?.frame ?? 0) >= frames,
                               { timeout: timeoutMs, polling: POLL_MS }, targetFrames);
  } catch (error) {
    const state = await page.evaluate(() => ({
      frame: window.spoolDemo?.frame,
      backend: window.spoolDemo?.backend,
      failure: document.getElementById('failure')?.hidden === false ? document.getElementById('failure').textContent : '',
      unsupported: document.getElementById('unsupported')?.hidden === false ? document.getElementById('unsupported').textContent : '',
    })).catch(() => ({}));
    check(false, `${label}: the demo reaches frame ${targetFrames} within ${timeoutMs / 1000} s ` +
                 `(frame now: ${state.frame ?? 'none'}, build: ${state.backend ?? '?'}` +
                 `${state.unsupported ? `; the page says: ${state.unsupported.replace(/\s+/g, ' ')}` : ''}` +
                 `${state.failure ? `; the page shows a failure: ${state.failure}` : ''})` +
                 `${errors.length ? `\n  ${errors.join('\n  ')}` : ''}`);
    await page.close();
    return engine;
  }
  const backend = await page.evaluate(() => window.spoolDemo.backend);
  const shown = await page.$eval('#backend', (element) => element.textContent);
  check(backend === expected, `${label}: the page picked the ${backend} build (expected ${expected}); it says "${shown}"`);

  const hud = {};
  for (const id of ['frame', 'live-fibers', 'peak-live-fibers', 'spawns-per-second', 'switches-per-frame',
                    'scheduler-ms', 'frame-ms']) {
    hud[id] = await hudNumber(page, id);
  }
  console.log(`${label}: HUD ${JSON.stringify(hud)}`);
  check(hud.frame >= targetFrames, `${label}: the HUD shows frame ${hud.frame} (>= ${targetFrames})`);
  check(hud['live-fibers'] >= minFibers, `${label}: the HUD shows ${hud['live-fibers']} live fibers (>= ${minFibers})`);
  check(hud['frame-ms'] > 0 && hud['frame-ms'] < 1000, `${label}: the HUD shows a frame time (${hud['frame-ms']} ms)`);
  check(hud['scheduler-ms'] > 0, `${label}: the HUD shows the scheduler's time per frame (${hud['scheduler-ms']} ms)`);
  check(hud['switches-per-frame'] >= minFibers, `${label}: the HUD shows switches per frame (${hud['switches-per-frame']})`);

  const drawn = await page.evaluate(() => {
    const canvas = document.getElementById('playfield');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = new Map();
    for (let i = 0; i < pixels.length; i += 4) {
      const rgb = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
    }
    const background = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const [r0, g0, b0] = [background >> 16, (background >> 8) & 255, background & 255];
    let differing = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i] - r0) + Math.abs(pixels[i + 1] - g0) + Math.abs(pixels[i + 2] - b0) > 48) differing++;
    }
    return { differing, total: pixels.length / 4 };
  });
  check(drawn.differing > drawn.total / 50,
        `${label}: the canvas is drawn (${drawn.differing} of ${drawn.total} pixels are not background)`);

  // Pause holds the frame; a step advances exactly one; resuming goes on.
  await page.keyboard.press('p');
  await page.waitForFunction(() => window.spoolDemo.paused === true, { timeout: 5000, polling: POLL_MS });
  const pausedAt = await page.evaluate(() => window.spoolDemo.frame);
  await page.evaluate(() => new Promise((done) => {
    let left = 10;
    const next = () => (--left ? requestAnimationFrame(next) : done());
    requestAnimationFrame(next);
  }));
  check(await page.evaluate(() => window.spoolDemo.frame) === pausedAt, `${label}: paused, the frame stays at ${pausedAt}`);
  await page.keyboard.press('s');
  await page.waitForFunction((at) => window.spoolDemo.frame === at + 1, { timeout: 5000, polling: POLL_MS }, pausedAt)
    .then(() => check(true, `${label}: a step advances one frame`),
          () => check(false, `${label}: a step advances one frame`));
  await page.keyboard.press('p');
  await page.waitForFunction((at) => window.spoolDemo.frame > at + 5, { timeout: 10000, polling: POLL_MS }, pausedAt)
    .then(() => check(true, `${label}: resumed`), () => check(false, `${label}: resumed`));

  await page.screenshot({ path: screenshot });
  console.log(`${label}: screenshot ${path.resolve(screenshot)}`);
  const violations = await page.evaluate(() => window.cspViolations ?? ['(the listener was not installed)']);
  check(violations.length === 0,
        `${label}: no Content-Security-Policy violation${violations.length ? `: ${violations.join('; ')}` : ''}`);
  check(errors.length === 0, `${label}: no errors in the page${errors.length ? `:\n  ${errors.join('\n  ')}` : ''}`);
  await page.close();
  return engine;
}

async function withBrowser(engine, launchOptions, f) {
  const browser = await launchBrowser(engine, launchOptions);
  try {
    console.log(`browser: ${await browser.version()}`);
    return await f(browser);
  } finally {
    await browser.close();
  }
}

async function main() {
  fs.mkdirSync(options.screenshots, { recursive: true });
  const { site, builds } = assembleSite();
  const { server, url } = await startServer(options.serve, site, { CSP: STRICT_CSP });
  console.log(`demo served at ${url} with builds ${JSON.stringify(builds)}`);
  try {
    await withBrowser('chromium', { binary: options.chromium }, (browser) =>
      checkDemo(browser, url, 'Chromium without JSPI', {
        expected: 'asyncify', removeJspi: true, screenshot: path.join(options.screenshots, 'web_demo_asyncify_chromium.png'),
      }));
    await withBrowser('firefox', { binary: options.firefox }, async (browser) => {
      const probe = await browser.newPage();
      const jspi = await probe.evaluate(() => typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function');
      await probe.close();
      const expected = jspi && builds.jspi ? 'jspi' : 'asyncify';
      await checkDemo(browser, url, `Firefox ESR (JSPI ${jspi ? 'on' : 'off'} by default)`, {
        expected, removeJspi: false, screenshot: path.join(options.screenshots, `web_demo_firefox_${expected}.png`),
      });
    });
    await withBrowser('firefox', { binary: options.firefox, firefoxPrefs: { [FIREFOX_JSPI_PREF]: false } },
      (browser) => checkDemo(browser, url, `Firefox ESR with ${FIREFOX_JSPI_PREF}=false`, {
        expected: 'asyncify', removeJspi: false, screenshot: path.join(options.screenshots, 'web_demo_asyncify_firefox.png'),
      }));
  } finally {
    stopServer(server);
    fs.rmSync(site, { recursive: true, force: true });
  }
  if (failures.length) {
    console.log(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log('web demo fallback e2e: all checks passed');
}

main().catch((error) => {
  console.error(`web demo fallback e2e failed: ${error.stack || error}`);
  process.exit(1);
});
