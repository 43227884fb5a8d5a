// Reading and moving the C shadow stack pointer (__stack_pointer) from C, on every Emscripten.
//
// Emscripten up to 3.1.56 had C functions stackSave/stackRestore in compiler-rt; later releases
// renamed them (_emscripten_stack_restore, internal), and an undefined `stackSave` then links to a
// JS import instead: two calls into JS on every switch. Both wasm backends of the context layer
// use these inline versions instead, which compile to one global.get / global.set everywhere.
// They keep the historic names so that the call sites read as they always did.
#ifndef SPOOL_SRC_CONTEXT_WASM_STACK_POINTER_H
#define SPOOL_SRC_CONTEXT_WASM_STACK_POINTER_H

#include <emscripten/stack.h>
#include <stdint.h>

static inline uintptr_t stackSave(void) { return emscripten_stack_get_current(); }

static inline void stackRestore(uintptr_t sp) {
#if defined(__wasm64__)
  __asm__ volatile(".globaltype __stack_pointer, i64\n\tlocal.get %0\n\tglobal.set __stack_pointer" : : "r"(sp));
#else
  __asm__ volatile(".globaltype __stack_pointer, i32\n\tlocal.get %0\n\tglobal.set __stack_pointer" : : "r"(sp));
#endif
}

#endif
