// spool::Coroutine: a low-level asymmetric coroutine, for code that resumes its own coroutines in
// any order it likes (as koishi and minicoro users do) instead of using the Scheduler.
//
//   spool::Coroutine co([](spool::Coroutine& self, void* first) -> void* {
//     void* next = self.yield(first);   // hands `first` back to resume(); gets resume()'s next value
//     return next;                      // the final value
//   });
//   auto r = co.resume(ptr);            // r.status == ok, r.value == ptr
//
// Coroutines need no Scheduler. resume() may be called from anywhere a switch may be made (in
// wasm: inside a JSPI call, which main() and every spool fiber are), including from another
// coroutine. A coroutine's body may use the Scheduler (yield, sleep, join): that suspends the
// fiber that resumed it, coroutine and all.
#pragma once

#include <cstddef>
#include <utility>

#include "detail/unique_function.h"
#include "status.h"

namespace spool {

enum class CoroutineState : unsigned char {
  suspended,  // created and not started, or stopped in yield()
  running,    // executing now
  normal,     // resumed another coroutine and waits for it to yield or finish
  dead,       // its body returned
};

const char* to_string(CoroutineState state) noexcept;

struct CoroutineOptions {
  std::size_t stack_size = 0;  // 0: 64 KiB natively, 16 KiB in wasm (rounded to a size class)
  const char* name = nullptr;  // shown in error reports
};

class Coroutine {
 public:
  using Body = detail::UniqueFunction<void*(Coroutine& self, void* first_value)>;

  struct Result {
    Status status;  // ok, or why nothing was resumed (finished, already_running, not_suspendable)
    void* value;    // what the coroutine passed to yield(), or returned
  };

  explicit Coroutine(Body body, const CoroutineOptions& options = {});
  // A coroutine destroyed while suspended mid-body is abandoned: its stack is freed and the
  // objects on it are not destroyed (as with minicoro). Destroying a running coroutine is a
  // fatal misuse.
  ~Coroutine();
  Coroutine(const Coroutine&) = delete;
  Coroutine& operator=(const Coroutine&) = delete;

  // Runs the coroutine until it yields or returns; `value` is the body's first_value on the first
  // resume and yield()'s result after. Returns {finished, nullptr} (reported) once it is dead;
  // in wasm, {no_memory, nullptr} (reported) when its first resume finds every engine stack of
  // the budget in use (spool::set_engine_stack_budget): nothing ran, and it may be resumed later.
  Result resume(void* value = nullptr);

  // Inside the body only: stops, handing `value` to resume(); returns the value of the next
  // resume(). Called from outside its own body it reports already_running and returns nullptr.
  void* yield(void* value = nullptr);

  CoroutineState state() const noexcept;
  const char* name() const noexcept;

  struct Impl;  // opaque: the context record, stack and body, on the heap like the stack

 private:
  Impl* impl_;
};

}  // namespace spool
