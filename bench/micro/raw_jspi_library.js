// Declares the raw JSPI baseline's imports to the linker; raw_jspi_pre.js replaces each with its
// real (WebAssembly.Suspending) version when the module is instantiated.
mergeInto(LibraryManager.library, {
  raw_wait: function(fiber) { throw new Error('raw_wait: replaced at instantiation'); },
  raw_handoff: function(fiber) { throw new Error('raw_handoff: replaced at instantiation'); },
  raw_park: function(carrier) { throw new Error('raw_park: replaced at instantiation'); },
  raw_yield: function() { throw new Error('raw_yield: replaced at instantiation'); },
  raw_job_done: function(carrier) { throw new Error('raw_job_done: replaced at instantiation'); },
});
