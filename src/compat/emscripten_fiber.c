// Emscripten's <emscripten/fiber.h> on spool's context layer: programs written for
// emscripten_fiber_* (koishi, minicoro, marl, Taisei's web builds) link against spool and drop
// -sASYNCIFY, and build natively too (target spool::emscripten_fiber, which natively provides the
// header, src/compat/include). The asyncify stack arguments are accepted and ignored.
//
// spool's state for a fiber is a small record (kept at the top of the fiber's C stack, see
// below), found through the struct's asyncify_data (stack_ptr holds the record, rewind_id a tag), and checked against the record's
// own tag and back-pointer: a struct that was moved, copied, reused, or filled in by hand without
// emscripten_fiber_init is recognised as such instead of being trusted by its address.
#include <emscripten/fiber.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../context/context.h"
#if defined(__EMSCRIPTEN__)
#include "../context/context_jspi.h"
#endif
#include "../report_c.h"

#define SPOOL_FIBER_TAG 0x5f0f1be7

typedef struct spool_em_fiber {
  int tag;
  int on_heap;                // 1: malloc'd (no stack or buffer of the caller's could hold it)
  emscripten_fiber_t* owner;  // the struct this record was made for
  spool_context ctx;
  em_arg_callback_func entry;
  void* user_data;
  spool_context* resumed_by;  // the context that last swapped to this one
} spool_em_fiber;

// Emscripten's API has no call that ends a fiber, so spool keeps a fiber's record where freeing
// the fiber's memory frees it too: at the top of the fiber's own C stack (the stack the context
// runs on starts below it). A context that stands for the running one (main) has no stack of its
// own: its record goes in the asyncify buffer the caller passed, if that can hold it, else on the
// heap (one per struct, reused when the struct is initialised again).
#define SPOOL_RECORD_SPACE ((sizeof(spool_em_fiber) + 15) & ~(size_t)15)

static spool_em_fiber* record_space_below(void* high_end) {
  return (spool_em_fiber*)(((uintptr_t)high_end & ~(uintptr_t)15) - SPOOL_RECORD_SPACE);
}

static spool_em_fiber* record_space_in(void* buffer, size_t size) {
  if (buffer == NULL) return NULL;
  uintptr_t lo = ((uintptr_t)buffer + 15) & ~(uintptr_t)15;
  if (lo + SPOOL_RECORD_SPACE > (uintptr_t)buffer + size) return NULL;
  return (spool_em_fiber*)lo;
}

static spool_em_fiber* record_of(emscripten_fiber_t* fiber) {
  spool_em_fiber* r = (spool_em_fiber*)fiber->asyncify_data.stack_ptr;
  if (fiber->asyncify_data.rewind_id != SPOOL_FIBER_TAG || r == NULL || r->tag != SPOOL_FIBER_TAG ||
      r->owner != fiber) {
    return NULL;  // never initialised by us, filled in by hand, or moved: not ours to trust
  }
  return r;
}

// A fresh record for `fiber` at `space` (NULL: on the heap), letting go of its previous one.
static spool_em_fiber* attach_record(emscripten_fiber_t* fiber, spool_em_fiber* space) {
  spool_em_fiber* old = record_of(fiber);
  if (old) {
    // Re-initialising a fiber whose previous run was abandoned (recycling, as koishi does). In
    // wasm its engine stack goes back to the pool once its frames have unwound (which touches
    // nothing of the record); natively the backend has nothing to give back but what it holds.
#if defined(__EMSCRIPTEN__)
    spool_context_recycle(&old->ctx);
#else
    spool_context_release(&old->ctx);
#endif
    old->tag = 0;
  }
  int on_heap = 0;
  if (old && old->on_heap) {
    if (space == NULL) {
      space = old;  // still needs the heap: reuse it
      on_heap = 1;
    } else {
      free(old);
    }
  }
  if (space == NULL) {
    space = (spool_em_fiber*)malloc(sizeof *space);
    if (!space) {
      spool_report_status(SPOOL_STATUS_FAILED, "emscripten_fiber: out of memory for a fiber record");
      abort();
    }
    on_heap = 1;
  }
  spool_em_fiber* r = space;
  memset(r, 0, sizeof *r);
  r->tag = SPOOL_FIBER_TAG;
  r->on_heap = on_heap;
  r->owner = fiber;
  fiber->asyncify_data.stack_ptr = r;
  fiber->asyncify_data.rewind_id = SPOOL_FIBER_TAG;
  return r;
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

// A made context from the documented fields: stack_limit is the low end, stack_base the high one,
// less the record kept at the top.
static spool_em_fiber* make_from_fields(emscripten_fiber_t* fiber) {
  spool_em_fiber* r = attach_record(fiber, record_space_below(fiber->stack_base));
  uintptr_t lo = ((uintptr_t)fiber->stack_limit + 15) & ~(uintptr_t)15;
  uintptr_t hi = (uintptr_t)r;
  r->entry = fiber->entry;
  r->user_data = fiber->user_data;
  spool_context_make(&r->ctx, (void*)lo, hi - lo, fiber_entry, r);
  return r;
}

void emscripten_fiber_init(emscripten_fiber_t* fiber, em_arg_callback_func entry_func,
                           void* entry_func_arg, void* c_stack, size_t c_stack_size,
                           void* asyncify_stack, size_t asyncify_stack_size) {
  (void)asyncify_stack;
  (void)asyncify_stack_size;
  fiber->stack_base = (char*)c_stack + c_stack_size;
  fiber->stack_limit = c_stack;
  fiber->stack_ptr = fiber->stack_base;
  fiber->entry = entry_func;
  fiber->user_data = entry_func_arg;
  make_from_fields(fiber);
}

// May run in a static constructor (a plain call): it only records that `fiber` stands for the
// context running now; the first swap happens later, where switching is allowed.
void emscripten_fiber_init_from_current_context(emscripten_fiber_t* fiber, void* asyncify_stack,
                                                size_t asyncify_stack_size) {
  fiber->entry = NULL;
  fiber->user_data = NULL;
  spool_em_fiber* r = attach_record(fiber, record_space_in(asyncify_stack, asyncify_stack_size));
  r->ctx.state = SPOOL_CONTEXT_RUNNING;
}

void emscripten_fiber_swap(emscripten_fiber_t* old_fiber, emscripten_fiber_t* new_fiber) {
  spool_em_fiber* from = record_of(old_fiber);
  if (!from) {
    // The caller's own struct, never initialised: it stands for whatever runs now.
    from = attach_record(old_fiber, NULL);
    from->ctx.state = SPOOL_CONTEXT_RUNNING;
  }
  spool_em_fiber* to = record_of(new_fiber);
  if (!to) {
    if (new_fiber->entry == NULL) {
      spool_report_status(SPOOL_STATUS_INVALID_HANDLE,
                          "emscripten_fiber_swap() to a fiber that was never initialised (no "
                          "emscripten_fiber_init, and no entry function filled in); nothing was "
                          "switched.");
      return;
    }
    to = make_from_fields(new_fiber);  // filled in by hand: made from its documented fields
  }
  if (to->ctx.state == SPOOL_CONTEXT_DEAD) {
    spool_report_status(SPOOL_STATUS_FINISHED,
                        "emscripten_fiber_swap() to a fiber whose entry function already returned; "
                        "initialise it again first. Nothing was switched.");
    return;
  }
  to->resumed_by = &from->ctx;
  int rc = spool_context_swap(&from->ctx, &to->ctx);
  if (rc == SPOOL_CONTEXT_E_TARGET_RUNNING) {
    spool_report_status(SPOOL_STATUS_ALREADY_RUNNING,
                        "emscripten_fiber_swap() to the fiber that is running (or to itself); "
                        "nothing was switched.");
  } else if (rc == SPOOL_CONTEXT_E_NOT_SUSPENDABLE) {
    spool_report_status(SPOOL_STATUS_NOT_SUSPENDABLE,
                        "emscripten_fiber_swap() from a plain call of a wasm export (a JS "
                        "callback), where JSPI cannot suspend; swap from main() or from a fiber.");
  } else if (rc == SPOOL_CONTEXT_E_STACK_OVERFLOW) {
    spool_report_status(SPOOL_STATUS_STACK_OVERFLOW,
                        "emscripten_fiber_swap(): the fiber's C stack overflowed (its canary is "
                        "broken). Give it a larger stack. Stopping.");
    abort();
  } else if (rc != SPOOL_CONTEXT_OK) {
    char message[96];
    snprintf(message, sizeof message, "emscripten_fiber_swap() failed (code %d); nothing was switched.", rc);
    spool_report_status(SPOOL_STATUS_FAILED, message);
  }
}
