/* Emscripten's fiber API (<emscripten/fiber.h>) for native builds, implemented by spool
 * (target spool::emscripten_fiber): code written for it builds and runs natively too, on spool's
 * native context backend. In wasm builds Emscripten's own header is used, and spool implements it
 * on JSPI. The struct layout and names are the API's, so that code filling the documented fields
 * by hand keeps working; the asyncify fields are accepted and ignored. */
#ifndef SPOOL_COMPAT_EMSCRIPTEN_FIBER_H
#define SPOOL_COMPAT_EMSCRIPTEN_FIBER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*em_arg_callback_func)(void* user_data);

typedef struct asyncify_data_s {
  void* stack_ptr;   /* Asyncify's buffer: spool keeps a pointer to its record here */
  void* stack_limit;
  int rewind_id;
} asyncify_data_t;

typedef struct emscripten_fiber_s {
  void* stack_base;            /* high end of the C stack (it grows down) */
  void* stack_limit;           /* low end of the C stack */
  void* stack_ptr;
  em_arg_callback_func entry;  /* set: the next swap to it starts it afresh (and clears it) */
  void* user_data;             /* entry's argument */
  asyncify_data_t asyncify_data;
} emscripten_fiber_t;

/* A fiber that runs entry_func(entry_func_arg) on c_stack when first swapped to. */
void emscripten_fiber_init(emscripten_fiber_t* fiber, em_arg_callback_func entry_func,
                           void* entry_func_arg, void* c_stack, size_t c_stack_size,
                           void* asyncify_stack, size_t asyncify_stack_size);

/* `fiber` stands for the context running now (main, or a thread's own stack). */
void emscripten_fiber_init_from_current_context(emscripten_fiber_t* fiber, void* asyncify_stack,
                                                size_t asyncify_stack_size);

/* Saves the running context into old_fiber and runs new_fiber. */
void emscripten_fiber_swap(emscripten_fiber_t* old_fiber, emscripten_fiber_t* new_fiber);

#ifdef __cplusplus
}
#endif

#endif
