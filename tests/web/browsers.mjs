// How spool's browser tests and the browser benchmarks start what they drive: Debian's Chromium and
// Firefox ESR (never a downloaded browser), headless, through puppeteer-core (Chromium over CDP,
// Firefox over WebDriver BiDi), and demos/web/serve.js on a free port of 127.0.0.1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';

export const BROWSER_BINARIES = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };

// The flags of PLATFORM-FACTS.md: no sandbox (CI runs as root), no GPU, nothing phoning home; and
// rAF and timers at full rate even if the headless window counts as hidden.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

// Firefox's switch for JSPI (on by default from 153).
export const FIREFOX_JSPI_PREF = 'javascript.options.wasm_js_promise_integration';

// Launches `engine` ('chromium' or 'firefox') headless. firefoxPrefs: extra about:config prefs.
// protocolTimeoutMs: how long one call into the page may take; a page busy with one long task
// (a benchmark) answers nothing until it ends, and puppeteer's default gives up after 180 s.
export async function launchBrowser(engine, { binary = BROWSER_BINARIES[engine], firefoxPrefs = {}, protocolTimeoutMs } = {}) {
  if (!fs.existsSync(binary)) {
    throw new Error(`no ${engine} at ${binary}: install it with scripts/setup.sh (apt-get install chromium firefox-esr)`);
  }
  const common = { headless: true, executablePath: binary, ...(protocolTimeoutMs ? { protocolTimeout: protocolTimeoutMs } : {}) };
  if (engine === 'chromium') return puppeteer.launch({ ...common, browser: 'chrome', args: CHROMIUM_ARGS });
  if (engine === 'firefox') return puppeteer.launch({ ...common, browser: 'firefox', extraPrefsFirefox: firefoxPrefs });
  throw new Error(`unknown engine '${engine}' (chromium or firefox)`);
}

// Starts serve.js on `site` on a free port; resolves with the server process and its URL.
// extraEnv: e.g. { CSP: '...' } to serve every response with that Content-Security-Policy.
export function startServer(serveJs, site, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [serveJs, site], {
      env: { ...process.env, PORT: '0', ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`serve.js printed no URL within 10 s: ${output}`)), 10000);
    server.on('exit', (code) => reject(new Error(`serve.js exited with ${code}: ${output}`)));
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ server, url: match[0] });
      }
    });
  });
}

// Stops a server from startServer (its exit is then expected, not an error).
export function stopServer(server) {
  server.removeAllListeners('exit');
  server.kill();
}
