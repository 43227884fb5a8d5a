#!/usr/bin/env node
// A static file server for the built web demo, with no dependencies. Listens on 127.0.0.1 only.
//
//   node demos/web/serve.js [folder]    folder: what to serve (default: this file's folder)
//
// Port: $PORT, or 8080; PORT=0 takes a free one. Once listening it prints one line,
// "serving <folder> at http://127.0.0.1:<port>/", which scripts and tests read the port from.
// $CSP, if set, is sent as the Content-Security-Policy of every response (the end-to-end test
// runs the demo under a policy without 'unsafe-eval').
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',  // required by WebAssembly.instantiateStreaming
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const root = path.resolve(process.argv[2] || __dirname);
const port = process.env.PORT ? Number(process.env.PORT) : 8080;

function reply(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return reply(res, 405, 'method not allowed');
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
  } catch {
    return reply(res, 400, 'bad request');
  }
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = path.join(root, pathname);  // normalises any '..'
  if (!file.startsWith(root + path.sep)) return reply(res, 403, 'forbidden');
  fs.stat(file, (error, stat) => {
    if (error || !stat.isFile()) return reply(res, 404, 'not found');
    res.writeHead(200, {
      'Content-Type': MIME_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': stat.size,
      // A rebuilt demo must reach the page on reload.
      'Cache-Control': 'no-store',
      // Cross-origin isolation: browsers then give performance.now() its fine resolution (5 us
      // instead of 100 us), which the HUD's scheduler time per frame needs.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      ...(process.env.CSP ? { 'Content-Security-Policy': process.env.CSP } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
});

server.on('error', (error) => {
  console.error(`serve.js: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`serving ${root} at http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
