// Declares the raw JSPI Taisei baseline's imports to the linker; raw_jspi_pre.js replaces each
// with its real version (taisei_wait_frames, taisei_carrier_park: WebAssembly.Suspending) at instantiation.
mergeInto(LibraryManager.library, {
  taisei_wait_frames: function(task, frames) { throw new Error('taisei_wait_frames: replaced at instantiation'); },
  taisei_wake_cancelled: function(task) { throw new Error('taisei_wake_cancelled: replaced at instantiation'); },
  taisei_queue_start: function(task) { throw new Error('taisei_queue_start: replaced at instantiation'); },
  taisei_carrier_park: function(task) { throw new Error('taisei_carrier_park: replaced at instantiation'); },
});
