#!/usr/bin/env node
// Runs a spool program on every engine: the JSPI build where the engine has JSPI
// (WebAssembly.Suspending and WebAssembly.promising), the Asyncify build (-DSPOOL_CONTEXT=asyncify)
// where it does not, and a clear message where neither can run.
//
// Node:    node spool_loader.js game.js game.asyncify.js [arguments for the program...]
//          SPOOL_BACKEND=jspi|asyncify forces one (for tests and comparisons).
// Module:  require('./spool_loader.js').load({jspi: 'game.js', asyncify: 'game.asyncify.js'})
// Page:    <script src="spool_loader.js" data-jspi="game.js" data-asyncify="game.asyncify.js"></script>
//          or, from a page's own script, spoolLoader.load({jspi, asyncify, onUnsupported}).
//          `?spool-backend=asyncify` in the page's address forces one.
// Either build may be left out; the JSPI one is preferred, since Asyncify makes every function
// that can reach a switch larger and slower.
(function(global) {
  'use strict';

  var ENGINES_WITH_JSPI = 'Node.js 25 or newer (JSPI on by default from Node 26; Node 24-25 ' +
    'need --experimental-wasm-jspi), Chrome or Edge 137 or newer, Firefox 153 or newer';

  function hasWasm() {
    return typeof WebAssembly == 'object' && typeof WebAssembly.instantiate == 'function';
  }
  function hasJspi() {
    return hasWasm() && typeof WebAssembly.Suspending == 'function' &&
           typeof WebAssembly.promising == 'function';
  }

  // Which build to load: {backend: 'jspi'|'asyncify', file} or {backend: null, message}.
  function choose(builds, forced) {
    builds = builds || {};
    if (!hasWasm()) {
      return {backend: null, message: 'spool: this JavaScript engine has no WebAssembly, which ' +
              'spool programs need in every build.'};
    }
    var order = forced ? [forced] : (hasJspi() ? ['jspi', 'asyncify'] : ['asyncify']);
    for (var i = 0; i < order.length; i++) {
      var backend = order[i];
      if (backend === 'jspi' && !hasJspi()) continue;
      if (builds[backend]) return {backend: backend, file: builds[backend]};
    }
    if (!hasJspi() && builds.jspi) {
      return {backend: null, message: 'spool: this JavaScript engine has no JSPI ' +
              '(WebAssembly.Suspending and WebAssembly.promising), and this program comes without ' +
              'its Asyncify build, which would run here. Use ' + ENGINES_WITH_JSPI + ', or build ' +
              'the program with -DSPOOL_CONTEXT=asyncify as well and give both to the loader.'};
    }
    return {backend: null, message: 'spool: no build of this program to load' +
            (forced ? ' for the backend ' + forced : '') + ': give the loader the JSPI build ' +
            '(jspi), the Asyncify build (asyncify), or both.'};
  }

  // --- Node -------------------------------------------------------------------------------------
  function loadInNode(builds, args) {
    var path = require('path');
    var fs = require('fs');
    var forced = process.env.SPOOL_BACKEND || '';
    if (forced && forced !== 'jspi' && forced !== 'asyncify') {
      throw new Error('spool_loader: SPOOL_BACKEND must be jspi or asyncify, not ' + forced);
    }
    var picked = choose(builds, forced || null);
    if (!picked.backend) {
      console.error(picked.message);
      process.exit(1);
    }
    var file = path.resolve(picked.file);
    if (!fs.existsSync(file)) {
      console.error('spool_loader: the ' + picked.backend + ' build ' + file + ' does not exist.');
      process.exit(1);
    }
    global.spoolBackend = picked.backend;
    // The program sees itself as argv[1] and its own arguments after it, as if run directly.
    process.argv = [process.argv[0], file].concat(args || []);
    return require(file);
  }

  // --- browsers ---------------------------------------------------------------------------------
  function loadInPage(builds, options) {
    options = options || {};
    var forced = null;
    try {
      forced = new URLSearchParams(location.search).get('spool-backend');
    } catch (e) {}
    var unsupported = function(message) {
      var module = global.Module;
      if (options.onUnsupported) options.onUnsupported(message);
      else if (module && typeof module.onSpoolUnsupported == 'function') module.onSpoolUnsupported(message);
      console.error(message);
    };
    var picked = choose(builds, forced);
    if (!picked.backend) {
      unsupported(picked.message);
      return null;
    }
    var add = function(choice) {
      global.spoolBackend = choice.backend;
      var script = document.createElement('script');
      script.src = choice.file;
      script.onerror = function() {
        // A JSPI engine can run the Asyncify build too: try it if the JSPI one is missing.
        if (choice.backend === 'jspi' && builds.asyncify) {
          add({backend: 'asyncify', file: builds.asyncify});
        } else if (options.onLoadError) {
          options.onLoadError(choice.file);
        } else {
          unsupported('spool: could not load ' + choice.file + '.');
        }
      };
      document.body.appendChild(script);
    };
    add(picked);
    return picked.backend;
  }

  var api = {hasJspi: hasJspi, hasWasm: hasWasm, choose: choose, enginesWithJspi: ENGINES_WITH_JSPI};

  var isNode = typeof process == 'object' && process.versions && process.versions.node &&
               typeof require == 'function';
  if (isNode) {
    api.load = function(builds, args) { return loadInNode(builds, args); };
    if (typeof module == 'object' && module.exports) module.exports = api;
    if (typeof require == 'function' && require.main === module) {
      var argv = process.argv.slice(2);
      if (argv.length < 2) {
        console.error('usage: node spool_loader.js JSPI_BUILD.js ASYNCIFY_BUILD.js [program arguments...]\n' +
                      '  (a build may be given as "-" to leave it out)');
        process.exit(2);
      }
      loadInNode({jspi: argv[0] === '-' ? '' : argv[0], asyncify: argv[1] === '-' ? '' : argv[1]},
                 argv.slice(2));
    }
  } else {
    api.load = loadInPage;
    global.spoolLoader = api;
    var me = typeof document != 'undefined' ? document.currentScript : null;
    if (me && (me.dataset.jspi || me.dataset.asyncify)) {
      var builds = {jspi: me.dataset.jspi, asyncify: me.dataset.asyncify};
      if (document.body) loadInPage(builds);
      else document.addEventListener('DOMContentLoaded', function() { loadInPage(builds); });
    }
  }
})(typeof globalThis != 'undefined' ? globalThis : this);
