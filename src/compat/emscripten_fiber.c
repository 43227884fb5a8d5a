// Emscripten's <emscripten/fiber.h> on spool's context layer: programs written for
// emscripten_fiber_* (koishi, minicoro, marl, Taisei's web builds) link against spool and drop
// -sASYNCIFY, and build natively too (target spool::emscripten_fiber, which natively provides the
// header, include/spool/compat). The asyncify stack arguments are accepted; spool does not need
// them.
//
// The struct is the program's, and programs write its fields themselves (koishi re-arms a
// finished coroutine by setting entry, user_data, stack_ptr and asyncify_data.stack_ptr by hand),
// so spool follows Asyncify's own rule: a swap to a struct whose `entry` is set starts it afresh
// (and clears `entry`, as Asyncify does), whatever else the struct holds; a swap to one whose
// `entry` is NULL resumes it. A run abandoned that way never resumes; in wasm its engine stack is
// taken over by the new run (spool_context_recycle_into), so recycling costs no new engine stack.
//
// spool's state for a fiber is a small record kept at the top of the fiber's own C stack, so
// freeing the fiber's memory frees it too (Emscripten's API has no call that ends a fiber). It is
// found from the struct's documented stack_base field, or through asyncify_data (stack_ptr holds
// the record, rewind_id a tag) as long as the program leaves that alone, and checked against the
// record's own tag and back-pointer: a struct that was moved, copied or filled in by hand is
// recognised as such instead of being trusted by its address.
#include <emscripten/fiber.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../context/context.h"
#include "../report_c.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten/stack.h>
#endif

#define SPOOL_FIBER_TAG 0x5f0f1be7

typedef struct spool_em_fiber {
  int tag;
  int on_heap;                // 1: malloc'd (a struct for a running context, without a buffer)
  emscripten_fiber_t* owner;  // the struct this record was made for
  spool_context ctx;
  em_arg_callback_func entry;
  void* user_data;
  spool_context* resumed_by;  // the context that last swapped to this one
} spool_em_fiber;

#define SPOOL_RECORD_SPACE ((sizeof(spool_em_fiber) + 15) & ~(size_t)15)
// The least C stack a fiber can run on, below its record.
#define SPOOL_MIN_FIBER_STACK 4096u

static spool_em_fiber* record_space_below(void* high_end) {
  return (spool_em_fiber*)(((uintptr_t)high_end & ~(uintptr_t)15) - SPOOL_RECORD_SPACE);
}

static spool_em_fiber* record_space_in(void* buffer, size_t size) {
  if (buffer == NULL) return NULL;
  uintptr_t lo = ((uintptr_t)buffer + 15) & ~(uintptr_t)15;
  if (lo + SPOOL_RECORD_SPACE > (uintptr_t)buffer + size) return NULL;
  return (spool_em_fiber*)lo;
}

// Whether the struct's stack fields describe a stack a fiber can run on (below its record).
static int has_usable_stack(const emscripten_fiber_t* fiber) {
  uintptr_t lo = (uintptr_t)fiber->stack_limit, hi = (uintptr_t)fiber->stack_base;
  return lo != 0 && hi > lo && hi - lo >= SPOOL_RECORD_SPACE + SPOOL_MIN_FIBER_STACK;
}

static spool_em_fiber* if_ours(spool_em_fiber* r, const emscripten_fiber_t* fiber) {
  return r != NULL && r->tag == SPOOL_FIBER_TAG && r->owner == fiber ? r : NULL;
}

static spool_em_fiber* record_of(emscripten_fiber_t* fiber) {
  spool_em_fiber* r = NULL;
  if (fiber->asyncify_data.rewind_id == SPOOL_FIBER_TAG) {
    r = if_ours((spool_em_fiber*)fiber->asyncify_data.stack_ptr, fiber);
  }
  if (r == NULL && has_usable_stack(fiber)) r = if_ours(record_space_below(fiber->stack_base), fiber);
  return r;
}

static void point_struct_at(emscripten_fiber_t* fiber, spool_em_fiber* r) {
  fiber->asyncify_data.stack_ptr = r;
  fiber->asyncify_data.rewind_id = SPOOL_FIBER_TAG;
}

// Lets go of a record that nothing will resume (its run never runs again).
static void drop_record(spool_em_fiber* r) {
  spool_context_release(&r->ctx);
  r->tag = 0;
  if (r->on_heap) free(r);
}

static spool_context* fiber_entry(void* arg) {
  spool_em_fiber* r = (spool_em_fiber*)arg;
  r->entry(r->user_data);
  spool_report_status(SPOOL_STATUS_FINISHED,
                      "an emscripten_fiber entry function returned, which is undefined behaviour in "
                      "Emscripten's fiber API; end a fiber by swapping away from it for good. "
                      "Resuming the fiber that last swapped to it.");
  return r->resumed_by;
}

// A record for a struct that stands for the context running now (main): in the asyncify buffer
// the program passed, if it can hold one, else on the heap (reused when the struct is
// initialised again).
static spool_em_fiber* record_for_running_context(emscripten_fiber_t* fiber, void* buffer, size_t size) {
  spool_em_fiber* old = record_of(fiber);
  spool_em_fiber* space = record_space_in(buffer, size);
  int on_heap = 0;
  if (old != NULL) {
    spool_context_release(&old->ctx);  // a run it stood for before never resumes
    if (space == NULL && old->on_heap) {
      space = old;  // still needs the heap: reuse it
      on_heap = 1;
    } else if (old != space) {
      old->tag = 0;
      if (old->on_heap) free(old);
    }
  }
  if (space == NULL) {
    space = (spool_em_fiber*)malloc(sizeof *space);
    if (space == NULL) spool_fatal(SPOOL_STATUS_NO_MEMORY, "emscripten_fiber: no memory for a fiber record");
    on_heap = 1;
  }
  memset(space, 0, sizeof *space);
  space->tag = SPOOL_FIBER_TAG;
  space->on_heap = on_heap;
  space->owner = fiber;
  space->ctx.state = SPOOL_CONTEXT_RUNNING;
  point_struct_at(fiber, space);
  return space;
}

// Asyncify's "start afresh": a new record at the top of the struct's stack, made from its
// documented fields. A run the struct held before is abandoned; the new one takes over its engine
// stack. NULL (reported) if the struct cannot start.
static spool_em_fiber* start_afresh(emscripten_fiber_t* fiber) {
  if (!has_usable_stack(fiber)) {
    spool_report_status(SPOOL_STATUS_INVALID_HANDLE,
                        "emscripten_fiber_swap() to a fiber whose stack_limit/stack_base do not "
                        "describe a C stack of at least 4 KiB; nothing was switched.");
    return NULL;
  }
  spool_em_fiber* old = record_of(fiber);
  spool_em_fiber* space = record_space_below(fiber->stack_base);
  if (old != NULL && old->ctx.state == SPOOL_CONTEXT_RUNNING) {
    spool_report_status(SPOOL_STATUS_ALREADY_RUNNING,
                        "emscripten_fiber_swap() to a fiber re-armed (entry set again) while it "
                        "runs; re-arm a fiber only while it is suspended. Nothing was switched.");
    return NULL;
  }
  uintptr_t lo = ((uintptr_t)fiber->stack_limit + 15) & ~(uintptr_t)15;
  spool_context abandoned;
  int recycle = 0;
  if (old != NULL && old->ctx.state != SPOOL_CONTEXT_FRESH && !spool_context_stack_intact((void*)lo)) {
    spool_fatal(SPOOL_STATUS_STACK_OVERFLOW,
                "emscripten_fiber: the run of a fiber being re-armed overflowed its C stack (its "
                "canary is broken), so memory next to it may be corrupted. Give it a larger stack. "
                "Stopping.");
  }
  if (old != NULL) {
    abandoned = old->ctx;
    recycle = 1;
    old->tag = 0;
    if (old != space && old->on_heap) free(old);
  }
  memset(space, 0, sizeof *space);
  space->tag = SPOOL_FIBER_TAG;
  space->owner = fiber;
  space->entry = fiber->entry;
  space->user_data = fiber->user_data;
  spool_context_make(&space->ctx, (void*)lo, (uintptr_t)space - lo, fiber_entry, space);
  if (recycle) spool_context_recycle_into(&abandoned, &space->ctx);
  point_struct_at(fiber, space);
  return space;
}

void emscripten_fiber_init(emscripten_fiber_t* fiber, em_arg_callback_func entry_func,
                           void* entry_func_arg, void* c_stack, size_t c_stack_size,
                           void* asyncify_stack, size_t asyncify_stack_size) {
  // A run the struct held on another stack cannot be taken over by the new one: let it go now
  // (on the same stack, the first swap recycles it).
  spool_em_fiber* old = record_of(fiber);
  if (old != NULL && old != record_space_below((char*)c_stack + c_stack_size) &&
      old->ctx.state != SPOOL_CONTEXT_RUNNING) {
    drop_record(old);
  }
  fiber->stack_base = (char*)c_stack + c_stack_size;
  fiber->stack_limit = c_stack;
  fiber->stack_ptr = fiber->stack_base;
  fiber->entry = entry_func;
  fiber->user_data = entry_func_arg;
  fiber->asyncify_data.stack_ptr = asyncify_stack;
  fiber->asyncify_data.stack_limit = (char*)asyncify_stack + asyncify_stack_size;
  fiber->asyncify_data.rewind_id = 0;
}

// May run in a static constructor (a plain call): it only records that `fiber` stands for the
// context running now; the first swap happens later, where switching is allowed.
void emscripten_fiber_init_from_current_context(emscripten_fiber_t* fiber, void* asyncify_stack,
                                                size_t asyncify_stack_size) {
#if defined(__EMSCRIPTEN__)
  fiber->stack_base = (void*)emscripten_stack_get_base();
  fiber->stack_limit = (void*)emscripten_stack_get_end();
#else
  fiber->stack_base = NULL;  // a thread's own stack: its bounds are not spool's to know
  fiber->stack_limit = NULL;
#endif
  fiber->stack_ptr = NULL;
  fiber->entry = NULL;
  fiber->user_data = NULL;
  record_for_running_context(fiber, asyncify_stack, asyncify_stack_size);
}

void emscripten_fiber_swap(emscripten_fiber_t* old_fiber, emscripten_fiber_t* new_fiber) {
  spool_em_fiber* from = record_of(old_fiber);
  if (from == NULL) {
    // The caller's own struct, never initialised: it stands for whatever runs now.
    from = record_for_running_context(old_fiber, NULL, 0);
  }
  if (new_fiber == old_fiber) {
    spool_report_status(SPOOL_STATUS_ALREADY_RUNNING,
                        "emscripten_fiber_swap() to the fiber that is running (to itself); nothing "
                        "was switched.");
    return;
  }
  em_arg_callback_func entry = new_fiber->entry;
  spool_em_fiber* to;
  if (entry != NULL) {
    to = start_afresh(new_fiber);
    if (to == NULL) return;
    new_fiber->entry = NULL;  // started: the next swap resumes it (Asyncify's rule)
  } else {
    to = record_of(new_fiber);
    if (to == NULL) {
      spool_report_status(SPOOL_STATUS_INVALID_HANDLE,
                          "emscripten_fiber_swap() to a fiber that was never initialised (no "
                          "emscripten_fiber_init, and no entry function filled in); nothing was "
                          "switched.");
      return;
    }
  }
  if (to->ctx.state == SPOOL_CONTEXT_DEAD) {
    spool_report_status(SPOOL_STATUS_FINISHED,
                        "emscripten_fiber_swap() to a fiber whose entry function already returned; "
                        "initialise it again first. Nothing was switched.");
    return;
  }
  to->resumed_by = &from->ctx;
  int rc = spool_context_swap(&from->ctx, &to->ctx);
  if (rc == SPOOL_CONTEXT_OK) return;
  if (entry != NULL) new_fiber->entry = entry;  // not started after all: the next swap tries again
  if (rc == SPOOL_CONTEXT_E_TARGET_RUNNING) {
    spool_report_status(SPOOL_STATUS_ALREADY_RUNNING,
                        "emscripten_fiber_swap() to a fiber that is running (it is the caller, or "
                        "the caller is its copy); nothing was switched.");
  } else if (rc == SPOOL_CONTEXT_E_NOT_SUSPENDABLE) {
    spool_report_status(SPOOL_STATUS_NOT_SUSPENDABLE,
                        "emscripten_fiber_swap() from a plain call of a wasm export (a JS "
                        "callback), where JSPI cannot suspend; swap from main() or from a fiber.");
  } else if (rc == SPOOL_CONTEXT_E_NO_ENGINE_STACK) {
    char message[320];
    snprintf(message, sizeof message,
             "emscripten_fiber_swap() to a fiber that has not started, while all %u engine "
             "stacks the budget allows are in use (the engine aborts the process past its own "
             "limit); nothing was switched. Let fibers that will never resume be re-armed or "
             "freed with their stacks, or raise spool::set_engine_stack_budget().",
             spool_context_engine_budget());
    spool_report_status(SPOOL_STATUS_NO_MEMORY, message);
  } else if (rc == SPOOL_CONTEXT_E_STACK_OVERFLOW) {
    spool_fatal(SPOOL_STATUS_STACK_OVERFLOW,
                "emscripten_fiber_swap(): the fiber's C stack overflowed (its canary is broken), "
                "so memory next to it may be corrupted. Give it a larger stack. Stopping.");
  } else {
    char message[96];
    snprintf(message, sizeof message, "emscripten_fiber_swap() failed (code %d); nothing was switched.", rc);
    spool_report_status(SPOOL_STATUS_FAILED, message);
  }
}
