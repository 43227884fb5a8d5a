// The context layer: the one place that knows how an execution context is saved and resumed.
//
// Three C-shaped operations (init the current context, make a new one, swap) with one backend
// chosen at build time: JSPI engine stacks for wasm (context_jspi.c + js/spool_runtime.js), or
// native (assembly for x86-64 and aarch64, ucontext as a fallback). Nothing above this header
// knows which backend it runs on.
//
// A context record is "saved state", not an identity: whatever runs when spool_context_swap()
// is called is saved into `from`, and resuming `from` resumes exactly that. This is what lets a
// coroutine resumed by a fiber, and that fiber's own scheduler switches, share one mechanism.
#ifndef SPOOL_SRC_CONTEXT_CONTEXT_H
#define SPOOL_SRC_CONTEXT_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spool_context spool_context;

// The function a made context runs. It returns the context to resume once it has finished: the
// backend then resumes that context and never resumes this one again. It must not return NULL.
typedef spool_context* (*spool_context_entry)(void* arg);

enum spool_context_state {
  SPOOL_CONTEXT_EMPTY = 0,      // zero-initialised, never made nor bound to the current context
  SPOOL_CONTEXT_FRESH = 1,      // made, never resumed: its entry has not started
  SPOOL_CONTEXT_SUSPENDED = 2,  // saved by a swap, waiting to be resumed
  SPOOL_CONTEXT_RUNNING = 3,    // the one executing now (on this thread)
  SPOOL_CONTEXT_DEAD = 4        // its entry returned
};

// What a swap can fail with. A failed swap changed nothing: the caller keeps running.
enum spool_context_error {
  SPOOL_CONTEXT_OK = 0,
  // JSPI: the code that asked to switch was called from JavaScript as a plain export call (a
  // callback), not inside a JSPI (WebAssembly.promising) call, so its stack cannot be suspended.
  SPOOL_CONTEXT_E_NOT_SUSPENDABLE = -1,
  SPOOL_CONTEXT_E_TARGET_RUNNING = -2,  // `to` is the context executing now
  SPOOL_CONTEXT_E_TARGET_DEAD = -3,     // `to` finished, or was never made
  SPOOL_CONTEXT_E_STACK_OVERFLOW = -4   // `from`'s stack canary was overwritten
};

struct spool_context {
  // Backend-owned: the saved stack pointer (native: machine sp; JSPI: __stack_pointer).
  void* saved_sp;
  // The stack this context runs on: [stack_limit, stack_base), growing down. Zero for a context
  // bound by spool_context_init_current() whose bounds are unknown (a thread's own stack).
  uintptr_t stack_base;
  uintptr_t stack_limit;
  spool_context_entry entry;
  void* entry_arg;
  int32_t state;     // enum spool_context_state
  int32_t js_slot;   // JSPI: the index of this context's resumer in the JS runtime; 0 = none
  // Whether the stack saved here carries spool's canary (made stacks do; a thread's own does not).
  int32_t stack_has_canary;
  void* asan_fake_stack;  // AddressSanitizer's fake-stack handle across a switch
  const void* asan_from_bottom;  // the stack bounds ASan reported when this context resumed
  size_t asan_from_size;
  void* tsan_fiber;  // ThreadSanitizer (native): the TSan fiber of this context's own stack
};

// Bytes at the low end of every made stack that hold a canary pattern (checked at each swap away
// from that stack) and that the JSPI backend keeps out of Emscripten's stack limits.
#define SPOOL_CONTEXT_RED_ZONE 64u

// Binds `ctx` to the context executing now (RUNNING). Call once per thread before the first
// swap away from it; on JSPI this must be inside a WebAssembly.promising call (main() is).
void spool_context_init_current(spool_context* ctx);

// Prepares `ctx` (FRESH) to run entry(arg) on the stack [stack_lo, stack_lo + size) when first
// resumed, and writes the canary. The stack must be 16-byte aligned and at least 4 KiB.
void spool_context_make(spool_context* ctx, void* stack_lo, size_t size,
                        spool_context_entry entry, void* arg);

// Saves what is executing into `from` (it becomes SUSPENDED) and resumes `to` (FRESH or
// SUSPENDED). Returns SPOOL_CONTEXT_OK when `from` is later resumed, or a negative
// spool_context_error at once if the switch could not be made.
int spool_context_swap(spool_context* from, spool_context* to);

// Whether a swap could be made from here now (JSPI: inside a promising call). Cheap.
int spool_context_can_switch(void);

// True if the canary at the low end of ctx's stack is intact (always true without bounds).
int spool_context_canary_intact(const spool_context* ctx);

// Frees what the backend holds for a context that will never be resumed (DEAD, FRESH, or
// abandoned while SUSPENDED). Its stack memory stays the caller's.
void spool_context_release(spool_context* ctx);

// Counters for leak checks and the demo: engine stacks (JSPI carriers) created, reused and
// parked now, and contexts whose JS slot is held. Native: all zero but `contexts_made`.
typedef struct spool_context_stats {
  uint64_t contexts_made;
  uint64_t carriers_created;
  uint64_t carriers_reused;
  uint32_t carriers_live;    // engine stacks that exist now (running, suspended or parked)
  uint32_t carriers_parked;  // of those, parked in the pool waiting for a context to run
  uint32_t js_slots_held;
} spool_context_stats;
void spool_context_get_stats(spool_context_stats* out);

// JSPI: how many parked engine stacks the pool keeps; extra ones are let go. Native: no effect.
void spool_context_set_max_parked(uint32_t count);

// The backend's name: "jspi", "x86_64-asm", "aarch64-asm" or "ucontext".
const char* spool_context_backend_name(void);

#ifdef __cplusplus
}
#endif

#endif
