// The stack canary every backend writes at the low end of a made stack (the red zone) and checks
// when a context switches away from that stack.
#ifndef SPOOL_SRC_CONTEXT_CANARY_H
#define SPOOL_SRC_CONTEXT_CANARY_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"

#define SPOOL_CANARY_WORD 0x5370306f4c2d4b21ull  // "Sp0oL-K!"

static inline void spool_canary_write(void* stack_lo) {
  uint64_t* words = (uint64_t*)stack_lo;
  for (size_t i = 0; i < SPOOL_CONTEXT_RED_ZONE / sizeof(uint64_t); ++i) words[i] = SPOOL_CANARY_WORD;
}

static inline int spool_canary_intact_at(uintptr_t stack_lo) {
  const uint64_t* words = (const uint64_t*)stack_lo;
  uint64_t diff = 0;
  for (size_t i = 0; i < SPOOL_CONTEXT_RED_ZONE / sizeof(uint64_t); ++i) diff |= words[i] ^ SPOOL_CANARY_WORD;
  return diff == 0;
}

#endif
