// Preloaded with `node --require` before a spool program: makes the engine look like one without
// JSPI (no WebAssembly.Suspending, no WebAssembly.promising), as Node 20 or an older browser is.
delete WebAssembly.Suspending;
delete WebAssembly.promising;
