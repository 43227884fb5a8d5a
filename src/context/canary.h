// The stack canary every backend writes at the low end of a made stack (the red zone), and when
// it is checked. Checking it on every switch touched the far end of the stack being left (a cold
// page once thousands of fibers are live), so it is checked when the stack pointer at the switch
// is near the limit, at every 64th switch of the thread otherwise, and always when a context ends
// (spool_context_stack_intact, called by the scheduler and Coroutine as a stack is given back).
#ifndef SPOOL_SRC_CONTEXT_CANARY_H
#define SPOOL_SRC_CONTEXT_CANARY_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"

#define SPOOL_CANARY_WORD 0x5370306f4c2d4b21ull  // "Sp0oL-K!"
// A switch whose stack pointer is this close to the limit checks the canary.
#define SPOOL_CANARY_NEAR 4096u
// Otherwise one switch in this many does (a power of two).
#define SPOOL_CANARY_EVERY 64u

static inline void spool_canary_write(void* stack_lo) {
  uint64_t* words = (uint64_t*)stack_lo;
  for (size_t i = 0; i < SPOOL_CONTEXT_RED_ZONE / sizeof(uint64_t); ++i) words[i] = SPOOL_CANARY_WORD;
}

static inline int spool_canary_intact_at(uintptr_t stack_lo) {
  const volatile uint64_t* w = (const volatile uint64_t*)stack_lo;
  _Static_assert(SPOOL_CONTEXT_RED_ZONE == 8 * sizeof(uint64_t), "the check below reads 8 words");
  const uint64_t c = SPOOL_CANARY_WORD;
  return ((w[0] ^ c) | (w[1] ^ c) | (w[2] ^ c) | (w[3] ^ c) | (w[4] ^ c) | (w[5] ^ c) | (w[6] ^ c) |
          (w[7] ^ c)) == 0;
}

#if defined(__EMSCRIPTEN__)
static unsigned t_spool_canary_switches;
#else
static _Thread_local unsigned t_spool_canary_switches __attribute__((tls_model("initial-exec")));
#endif

// Whether a switch away from the stack [limit, ...) with its stack pointer at `sp` checks the
// canary now.
static inline int spool_canary_due(uintptr_t sp, uintptr_t limit) {
  return sp - limit < SPOOL_CANARY_NEAR + SPOOL_CONTEXT_RED_ZONE ||
         (++t_spool_canary_switches & (SPOOL_CANARY_EVERY - 1)) == 0;
}

#endif
