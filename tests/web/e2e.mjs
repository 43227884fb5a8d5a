// The web demo end to end, in a real browser: Debian's Chromium (JSPI on by default), headless,
// driven by playwright-core (pinned in package.json; it never downloads browsers of its own).
//
//   node tests/web/e2e.mjs --site DIR --serve demos/web/serve.js --screenshot OUT.png
//                          [--chromium /usr/bin/chromium] [--frames 300] [--min-fibers 2000]
//
// Serves DIR (the built demo) with serve.js on a free port, then checks:
//  1. the demo runs: the frame counter reaches --frames, driven by requestAnimationFrame; the HUD
//     shows at least --min-fibers live fibers, a frame time, scheduler time, spawns and switches;
//     the canvas is not blank; pause and step work; nothing is logged as an error and no request
//     fails. Saves a screenshot.
//  2. under a Content-Security-Policy without 'unsafe-eval' (the page served with
//     "script-src 'self' 'wasm-unsafe-eval'") the demo runs just the same: spool's runtime needs
//     no eval, and no policy violation is reported.
//  3. in a browser without JSPI (WebAssembly.Suspending and promising removed before any page
//     script runs) the page says so and names browsers that work, and loads no wasm.
// Exits 0 when every check passes; otherwise prints what failed and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { BROWSER_BINARIES, CHROMIUM_ARGS, startServer as startServerOn, stopServer } from './browsers.mjs';

const { values: options } = parseArgs({
  options: {
    site: { type: 'string' },
    serve: { type: 'string' },
    screenshot: { type: 'string' },
    chromium: { type: 'string', default: BROWSER_BINARIES.chromium },
    frames: { type: 'string', default: '300' },
    'min-fibers': { type: 'string', default: '2000' },
    'timeout-seconds': { type: 'string', default: '120' },
  },
});
for (const required of ['site', 'serve', 'screenshot']) {
  if (!options[required]) throw new Error(`e2e.mjs: --${required} is required`);
}
const targetFrames = Number(options.frames);
const minFibers = Number(options['min-fibers']);
const timeoutMs = Number(options['timeout-seconds']) * 1000;

// waitForFunction polls on a timer, not with requestAnimationFrame, so that the page's rAF
// requests are the game loop's alone.
const POLL_MS = 50;

const failures = [];
function check(condition, message) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`);
  if (!condition) failures.push(message);
}

// Serves the demo (options.site); extraEnv: e.g. { CSP: '...' } for every response's policy.
const startServer = (extraEnv = {}) => startServerOn(options.serve, options.site, extraEnv);

// Records what a page reports as wrong: console errors (and any spool report), uncaught
// exceptions, failed requests.
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

// The number an HUD element shows ("12,345" -> 12345).
async function hudNumber(page, id) {
  const text = await page.textContent(`#${id}`);
  return Number(text.replace(/,/g, ''));
}

async function checkDemoRuns(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 780 } });
  const errors = watchForErrors(page);
  // Counts requestAnimationFrame calls, to tell that rAF (not a timer) drives the game loop.
  await page.addInitScript(() => {
    const request = window.requestAnimationFrame.bind(window);
    window.animationFramesRequested = 0;
    window.requestAnimationFrame = (callback) => {
      window.animationFramesRequested++;
      return request(callback);
    };
  });
  await page.goto(url);
  try {
    await page.waitForFunction((frames) => (window.spoolDemo?.frame ?? 0) >= frames, targetFrames,
                               { timeout: timeoutMs, polling: POLL_MS });
  } catch (error) {
    const state = await page.evaluate(() => ({
      frame: window.spoolDemo?.frame,
      failure: document.getElementById('failure')?.hidden === false ? document.getElementById('failure').textContent : '',
      unsupported: document.getElementById('unsupported')?.hidden === false,
    })).catch(() => ({}));
    throw new Error(`the demo did not reach frame ${targetFrames} within ${timeoutMs / 1000} s ` +
                    `(frame now: ${state.frame ?? 'none: the module never presented a frame'}` +
                    `${state.unsupported ? '; the page says the browser has no JSPI' : ''}` +
                    `${state.failure ? `; the page shows a failure: ${state.failure}` : ''})` +
                    `${errors.length ? `\n${errors.join('\n')}` : ''}`);
  }

  const hud = {};
  for (const id of ['frame', 'live-fibers', 'peak-live-fibers', 'spawns-per-second', 'switches-per-frame',
                    'scheduler-ms', 'frame-ms', 'engine-stacks-live', 'engine-stacks-parked']) {
    hud[id] = await hudNumber(page, id);
  }
  console.log(`HUD: ${JSON.stringify(hud)}`);
  check(hud.frame >= targetFrames, `the HUD shows frame ${hud.frame} (>= ${targetFrames})`);
  check(hud['live-fibers'] >= minFibers, `the HUD shows ${hud['live-fibers']} live fibers (>= ${minFibers})`);
  check(hud['peak-live-fibers'] >= hud['live-fibers'], `peak live fibers ${hud['peak-live-fibers']} >= live`);
  check(hud['frame-ms'] > 0 && hud['frame-ms'] < 1000, `the HUD shows a frame time (${hud['frame-ms']} ms)`);
  check(hud['scheduler-ms'] > 0, `the HUD shows the scheduler's time per frame (${hud['scheduler-ms']} ms)`);
  check(hud['spawns-per-second'] > 0, `the HUD shows spawns per second (${hud['spawns-per-second']})`);
  check(hud['switches-per-frame'] >= minFibers, `the HUD shows switches per frame (${hud['switches-per-frame']})`);
  check(hud['engine-stacks-live'] > 0, `the HUD shows engine stacks (${hud['engine-stacks-live']} live, ` +
                                       `${hud['engine-stacks-parked']} parked)`);
  const requested = await page.evaluate(() => [window.animationFramesRequested, window.spoolDemo.frame]);
  // One request per frame of the loop (and one pending): the test's own waits poll on a timer.
  check(requested[0] >= requested[1] && requested[0] <= requested[1] + 2,
        `requestAnimationFrame drives the loop (${requested[0]} requests by frame ${requested[1]})`);
  const api = await page.evaluate(() => ({ live: window.spoolDemo.liveFibers, frameMs: window.spoolDemo.frameMs }));
  check(Number.isFinite(api.live) && api.live > 0 && Number.isFinite(api.frameMs),
        `window.spoolDemo has the numbers (liveFibers ${api.live}, frameMs ${api.frameMs})`);

  // Not blank: count the pixels that clearly differ from the background (the most common colour).
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
        `the canvas is drawn: ${drawn.differing} of ${drawn.total} pixels are not background`);

  // Pause holds the frame; a step advances exactly one; resuming goes on.
  await page.keyboard.press('p');
  await page.waitForFunction(() => window.spoolDemo.paused === true, null, { timeout: 5000, polling: POLL_MS });
  const pausedAt = await page.evaluate(() => window.spoolDemo.frame);
  await page.evaluate(() => new Promise((done) => {
    let left = 10;
    const next = () => (--left ? requestAnimationFrame(next) : done());
    requestAnimationFrame(next);
  }));
  check(await page.evaluate(() => window.spoolDemo.frame) === pausedAt, `paused: the frame stays at ${pausedAt}`);
  await page.keyboard.press('s');
  await page.waitForFunction((at) => window.spoolDemo.frame === at + 1, pausedAt, { timeout: 5000, polling: POLL_MS })
    .then(() => check(true, 'a step advances one frame'),
          () => check(false, 'a step advances one frame'));
  await page.keyboard.press('3');
  await page.keyboard.press('p');
  await page.waitForFunction((at) => window.spoolDemo.frame > at + 5 && window.spoolDemo.scale === 3,
                             pausedAt, { timeout: 10000, polling: POLL_MS })
    .then(() => check(true, 'resumed at scale K = 3'), () => check(false, 'resumed at scale K = 3'));

  await page.screenshot({ path: options.screenshot });
  console.log(`screenshot: ${path.resolve(options.screenshot)}`);

  // The fiber inspector: 'i' shows what the scheduler runs, tree and counts, measured each frame.
  await page.keyboard.press('i');
  await page.waitForFunction(() => /bullets and shots: \d+/.test(window.spoolDemo.inspectorText ?? ''), null,
                             { timeout: 10000, polling: POLL_MS })
    .then(() => check(true, 'the inspector shows the fibers'), () => check(false, 'the inspector shows the fibers'));
  const inspected = await page.evaluate(() => ({
    text: window.spoolDemo.inspectorText ?? '',
    visible: !document.getElementById('inspector').hidden,
  }));
  const bulletCount = Number((inspected.text.match(/bullets and shots: (\d+)/) ?? [])[1]);
  check(inspected.visible && /^frame \d+: \d+ fibers/.test(inspected.text) && /player #\d+ waiting/.test(inspected.text) &&
        /stage #\d+/.test(inspected.text) && bulletCount > 100,
        `the inspector lists the player, the stage and ${bulletCount} bullets`);
  const inspectorShot = options.screenshot.replace(/(\.png)?$/, '_inspector.png');
  await page.screenshot({ path: inspectorShot });
  console.log(`screenshot: ${path.resolve(inspectorShot)}`);
  await page.keyboard.press('i');
  check(await page.evaluate(() => document.getElementById('inspector').hidden), "'i' hides the inspector again");
  check(errors.length === 0, `no errors in the page${errors.length ? `:\n  ${errors.join('\n  ')}` : ''}`);
  await page.close();
}

// The policy a site that forbids eval would send; wasm compilation itself still needs
// 'wasm-unsafe-eval'.
const STRICT_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";

async function checkRunsUnderStrictCsp(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 780 } });
  const errors = watchForErrors(page);
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || '(inline)'}`);
    });
  });
  const response = await page.goto(url);
  const policy = response.headers()['content-security-policy'] ?? '';
  check(policy === STRICT_CSP, `the page is served with the strict policy ("${policy}")`);
  const frames = 60;
  const reached = await page.waitForFunction((n) => (window.spoolDemo?.frame ?? 0) >= n, frames,
                                             { timeout: timeoutMs, polling: POLL_MS })
    .then(() => true, () => false);
  const state = await page.evaluate(() => ({
    frame: window.spoolDemo?.frame ?? 0,
    live: window.spoolDemo?.liveFibers ?? 0,
    violations: window.cspViolations,
  }));
  check(reached && state.live > 0,
        `under the strict policy the demo runs (frame ${state.frame}, ${state.live} live fibers)`);
  check(state.violations.length === 0,
        `no policy violation${state.violations.length ? `: ${state.violations.join('; ')}` : ''}`);
  check(errors.length === 0, `no errors under the strict policy${errors.length ? `:\n  ${errors.join('\n  ')}` : ''}`);
  await page.close();
}

async function checkNoJspiMessage(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 780 } });
  // A browser without JSPI, as far as the page can tell: the API is gone before any script runs.
  // (Chromium 156 ships JSPI; no flag turns it off: --js-flags=--no-experimental-wasm-jspi and
  // --disable-features=WebAssemblyJSPromiseIntegration both leave it on.)
  await context.addInitScript(() => {
    delete WebAssembly.Suspending;
    delete WebAssembly.promising;
  });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(url);
  const notice = page.locator('#unsupported');
  await notice.waitFor({ state: 'visible', timeout: 10000 })
    .catch(() => {});
  const visible = await notice.isVisible();
  const text = visible ? await notice.innerText() : '';
  check(visible, 'without JSPI, the page shows the #unsupported notice');
  check(/JSPI/.test(text) && /Chrome or Edge 137 or newer/.test(text) && /Firefox 153/.test(text),
        `the notice names JSPI and the browsers that work: "${text.replace(/\s+/g, ' ').slice(0, 160)}..."`);
  check(!requested.some((u) => /\.wasm$|spool_web_demo\.js$/.test(u)), 'without JSPI, no wasm is loaded');
  check(errors.length === 0, `no errors in the page without JSPI${errors.length ? `:\n  ${errors.join('\n  ')}` : ''}`);
  const noJspiShot = options.screenshot.replace(/(\.png)?$/, '_no_jspi.png');
  await page.screenshot({ path: noJspiShot });
  console.log(`screenshot: ${path.resolve(noJspiShot)}`);
  await context.close();
}

async function main() {
  if (!fs.existsSync(options.chromium)) {
    throw new Error(`no Chromium at ${options.chromium}: install it with scripts/setup.sh (apt-get install chromium)`);
  }
  if (!fs.existsSync(path.join(options.site, 'spool_web_demo.wasm'))) {
    throw new Error(`no built demo in ${options.site}: build the target spool_web_demo`);
  }
  const { server, url } = await startServer();
  console.log(`demo served at ${url}`);
  let browser;
  let strict;
  try {
    browser = await chromium.launch({ executablePath: options.chromium, headless: true, args: CHROMIUM_ARGS });
    console.log(`browser: Chromium ${browser.version()}`);
    await checkDemoRuns(browser, url);
    strict = await startServer({ CSP: STRICT_CSP });
    await checkRunsUnderStrictCsp(browser, strict.url);
    await checkNoJspiMessage(browser, url);
  } finally {
    await browser?.close();
    for (const s of [server, strict?.server]) if (s) stopServer(s);
  }
  if (failures.length) {
    console.log(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log('web demo e2e: all checks passed');
}

main().catch((error) => {
  console.error(`web demo e2e failed: ${error.stack || error}`);
  process.exit(1);
});
