// The context layer: the one place that knows how an execution context is saved and resumed.
//
// Three C-shaped operations (init the current context, make a new one, swap) with one backend
// chosen at build time: JSPI engine stacks for wasm (context_jspi.c + js/spool_runtime.js), or
// native (assembly for x86-64 and aarch64, ucontext as a fallback). Nothing above this header
// knows which backend it runs on, and this layer knows nothing above it: what it needs to know of
// its users (the name of what runs, for reports) it asks through hooks they install.
//
// A context record is "saved state", not an identity: whatever runs when spool_context_swap()
// is called is saved into `from`, and resuming `from` resumes exactly that. This is what lets a
// coroutine resumed by a fiber, and that fiber's own scheduler switches, share one mechanism.
//
// A run that will never be resumed (released, or recycled into a new context) never executes
// again: not its destructors, not later. Its stack memory is the caller's to reuse at once.
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
  SPOOL_CONTEXT_E_STACK_OVERFLOW = -4,  // `from`'s stack canary was overwritten
  // JSPI: `to` has not started and every engine stack the budget allows is in use (see
  // spool_context_set_engine_budget). Retry once a context has finished or been released.
  SPOOL_CONTEXT_E_NO_ENGINE_STACK = -5
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
  // JSPI: this context's share of the engine-stack budget: 0 none, 1 reserved, 2 holds a stack.
  int32_t engine_budget;
  // JSPI: the engine stack (carrier) this context runs on once started; 0 before.
  uintptr_t carrier;
  // The C++ exception state (being handled, uncaught) of this context while it is not running:
  // the ABI keeps it per thread, so every swap carries it with the context.
  void* eh_caught;
  uint32_t eh_uncaught;
  void* asan_fake_stack;  // AddressSanitizer's fake-stack handle across a switch
  const void* asan_from_bottom;  // the stack bounds ASan reported when this context resumed
  size_t asan_from_size;
  void* tsan_fiber;  // ThreadSanitizer (native): the TSan fiber of this context's own stack
};

// Bytes at the low end of every made stack that hold a canary pattern (checked at each swap away
// from that stack) and that the JSPI backend keeps out of Emscripten's stack limits.
#define SPOOL_CONTEXT_RED_ZONE 64u

// What the layer asks of its users. Every member may be NULL.
typedef struct spool_context_hooks {
  // Writes the name of what runs now (a fiber's name as reports show it) into buf, "" if it has
  // none. Natively it is called from signal handlers: it must not allocate or lock.
  void (*describe_running)(char* buf, size_t size);
  // JSPI: the engine stack of the running context stopped with an error (a trap, a checked
  // overflow). Called from a plain call, on an emergency C stack; the context is gone.
  void (*context_lost)(void);
} spool_context_hooks;

// Installs the hooks (copied); NULL removes them. Call before contexts switch, on one thread.
void spool_context_set_hooks(const spool_context_hooks* hooks);
// The name of what runs now, through the hooks ("" without them).
void spool_context_describe_running(char* buf, size_t size);

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
// True if the canary of the stack made at `stack_lo` (spool_context_make) is intact. A swap checks
// the canary of the stack it leaves only now and then (src/context/canary.h); check it with this
// when a context ends and its stack is given back.
int spool_context_stack_intact(const void* stack_lo);

// Lets go of a context that will never be resumed (DEAD, FRESH, or abandoned while SUSPENDED):
// an abandoned run never executes again (JSPI: its engine stack is dropped without running any
// of its frames). Its stack memory is the caller's again at once.
void spool_context_release(spool_context* ctx);

// `fresh` (just made) takes the place of a run abandoned while SUSPENDED, whose record was copied
// to `abandoned` before its memory was reused. JSPI: when `fresh` first runs, the abandoned run's
// frames are unwound on its own stack (C++ destructors in them run then, before `fresh` touches
// that stack; C frames have none) and `fresh` starts on the engine stack they leave, which costs
// no new engine stack. If `fresh` is made on another stack, or the build has no exceptions, the
// abandoned run is released instead. Native: the abandoned run is released.
void spool_context_recycle_into(const spool_context* abandoned, spool_context* fresh);

// JSPI: engines abort the whole process past a number of engine stacks (V8: ~32,000, two
// memory mappings each against vm.max_map_count). Every context that has started and not
// finished holds one, and parked spare ones count too: the layer never lets the total pass the
// budget. A swap to a FRESH context that would need one more returns
// SPOOL_CONTEXT_E_NO_ENGINE_STACK. Native: no effect.
#define SPOOL_CONTEXT_DEFAULT_ENGINE_BUDGET 24576u
void spool_context_set_engine_budget(uint32_t stacks);
uint32_t spool_context_engine_budget(void);
// Reserves the engine stack `ctx` (FRESH) will need, so that its first run cannot be refused.
// Returns SPOOL_CONTEXT_OK, or SPOOL_CONTEXT_E_NO_ENGINE_STACK. Released with the context.
int spool_context_reserve(spool_context* ctx);

// Counters for leak checks and the demo: engine stacks (JSPI carriers) created, reused and
// parked now, and contexts whose JS slot is held. Native: all zero but `contexts_made`.
typedef struct spool_context_stats {
  uint64_t contexts_made;
  uint64_t carriers_created;
  uint64_t carriers_reused;
  uint32_t carriers_live;    // engine stacks that exist now (running, suspended, parked, dropping)
  uint32_t carriers_parked;  // of those, parked in the pool waiting for a context to run
  uint32_t js_slots_held;
  uint32_t engine_stacks_claimed;   // held or reserved by contexts (against the budget)
  uint32_t engine_stacks_dropping;  // released, not yet freed by the engine
  uint32_t engine_budget;
} spool_context_stats;
void spool_context_get_stats(spool_context_stats* out);

// JSPI: how many parked engine stacks the pool keeps at most; extra ones are let go. The pool
// also follows the working set (the most in use at once lately). Native: no effect.
void spool_context_set_max_parked(uint32_t count);

// The stack [lo, hi) of the context running on this thread; 0 if unknown (a thread's own stack).
// Async-signal-safe (the native crash reports read it).
int spool_context_running_stack(uintptr_t* lo, uintptr_t* hi);

// Bytes of its stack a SUSPENDED context uses (from its saved stack pointer to the top), for the
// inspector; 0 if not suspended on a stack of known bounds, or where the backend cannot tell.
size_t spool_context_stack_in_use(const spool_context* ctx);

// The backend's name: "jspi", "x86_64-asm", "aarch64-asm" or "ucontext".
const char* spool_context_backend_name(void);

#ifdef __cplusplus
}
#endif

#endif
