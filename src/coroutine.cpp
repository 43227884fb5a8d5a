// spool::Coroutine: an asymmetric coroutine straight on the context layer (no Scheduler).
#include "spool/coroutine.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "context/context.h"
#include "coroutine_chain.h"
#include "report.h"
#include "stack/stack_pool.h"

namespace spool {

using detail::fatal;
using detail::report;

namespace {
#if defined(__EMSCRIPTEN__)
constexpr std::size_t kDefaultCoroutineStack = 16 * 1024;
#else
constexpr std::size_t kDefaultCoroutineStack = 64 * 1024;
#endif
}  // namespace

struct Coroutine::Impl {
  Coroutine* owner = nullptr;
  Body body;
  spool_context self{};    // this coroutine's saved state
  spool_context caller{};  // its resumer's saved state while it runs
  detail::Stack stack;
  void* transfer = nullptr;
  CoroutineState state = CoroutineState::suspended;
  Impl* resumer = nullptr;  // the coroutine that resumed this one, if any
  std::string name;
#if defined(__cpp_exceptions)
  std::exception_ptr error;
#endif
};

namespace {
// A coroutine's stack goes back to the pool: its canary is checked first (a switch checks it only
// now and then, see src/context/canary.h).
void give_back_stack(Coroutine::Impl* impl) {
  if (!spool_context_stack_intact(impl->stack.lo)) {
    detail::fatal(Status::stack_overflow,
                  "stack overflow in coroutine '%s': it wrote past the end of its %zu-byte stack "
                  "(found as its stack was given back). Create it with a larger "
                  "CoroutineOptions::stack_size. Stopping the process.",
                  impl->name.c_str(), impl->stack.size);
  }
  detail::StackPool::for_this_thread().release(impl->stack);
  impl->stack = {};
}

// The coroutine running on the current fiber (see coroutine_chain.h).
thread_local Coroutine::Impl* tls_running = nullptr;
spool_context* coroutine_entry(void* arg);
}  // namespace

namespace detail {
void* exchange_running_coroutine(void* coroutine) noexcept {
  void* previous = tls_running;
  tls_running = static_cast<Coroutine::Impl*>(coroutine);
  return previous;
}

void abandon_coroutine_chain(void* innermost) noexcept {
  for (auto* impl = static_cast<Coroutine::Impl*>(innermost); impl;) {
    Coroutine::Impl* resumer = impl->resumer;
    spool_context_release(&impl->caller);  // the run that resumed it never runs again
    // `self` still says "running" from when it was resumed; what ran on it is released with the
    // next context out. Its share of the engine-stack budget goes when the coroutine is destroyed.
    impl->self.state = SPOOL_CONTEXT_DEAD;
    impl->state = CoroutineState::dead;
    impl->resumer = nullptr;
    impl = resumer;
  }
}
}  // namespace detail

const char* to_string(CoroutineState state) noexcept {
  switch (state) {
    case CoroutineState::suspended: return "suspended";
    case CoroutineState::running: return "running";
    case CoroutineState::normal: return "normal";
    case CoroutineState::dead: return "dead";
  }
  return "unknown";
}

Coroutine::Coroutine(Body body, const CoroutineOptions& options) : impl_(new Impl) {
  impl_->owner = this;
  impl_->body = std::move(body);
  impl_->name = options.name ? options.name : "coroutine";
  const std::size_t size = options.stack_size ? options.stack_size : kDefaultCoroutineStack;
  impl_->stack = detail::StackPool::for_this_thread().acquire(size);
  if (!impl_->stack) {
    report(Status::no_memory, "no %zu-byte stack for coroutine '%s': %s. It is dead from the start.",
           size, impl_->name.c_str(), detail::StackPool::for_this_thread().failure());
    impl_->state = CoroutineState::dead;
    return;
  }
  spool_context_make(&impl_->self, impl_->stack.lo, impl_->stack.size, &coroutine_entry, impl_);
}

Coroutine::~Coroutine() {
  if (impl_->state == CoroutineState::running || impl_->state == CoroutineState::normal) {
    fatal(Status::already_running,
          "coroutine '%s' was destroyed while running; destroy a coroutine only after it yielded "
          "or finished.",
          impl_->name.c_str());
  }
  // Suspended mid-body, or left mid-body by a fiber that was killed or abandoned: its frames never
  // run again (their destructors do not run), and its stack is free for reuse at once.
  spool_context_release(&impl_->self);
  give_back_stack(impl_);
  delete impl_;
}

CoroutineState Coroutine::state() const noexcept { return impl_->state; }
const char* Coroutine::name() const noexcept { return impl_->name.c_str(); }

namespace {
spool_context* coroutine_entry(void* arg) {
  auto* impl = static_cast<Coroutine::Impl*>(arg);
  void* first = impl->transfer;
#if defined(__cpp_exceptions)
  try {
    impl->transfer = impl->body(*impl->owner, first);
  } catch (...) {
    impl->error = std::current_exception();
    impl->transfer = nullptr;
  }
#else
  impl->transfer = impl->body(*impl->owner, first);
#endif
  impl->body.reset();
  impl->state = CoroutineState::dead;
  return &impl->caller;
}
}  // namespace

Coroutine::Result Coroutine::resume(void* value) {
  Impl* impl = impl_;
  switch (impl->state) {
    case CoroutineState::dead:
      report(Status::finished,
             "resume() of coroutine '%s', which has finished; check state() != "
             "CoroutineState::dead before resuming it.",
             impl->name.c_str());
      return {Status::finished, nullptr};
    case CoroutineState::running:
    case CoroutineState::normal:
      report(Status::already_running,
             "resume() of coroutine '%s', which is running (it is the caller, or resumed the "
             "caller); a coroutine can be resumed only while it is suspended.",
             impl->name.c_str());
      return {Status::already_running, nullptr};
    case CoroutineState::suspended:
      break;
  }
  if (!spool_context_can_switch()) {
    report(Status::not_suspendable,
           "resume() of coroutine '%s' from a plain call of a wasm export (a JavaScript "
           "callback), where the stack cannot be suspended. Resume it from main(), a fiber, or "
           "another JSPI call.",
           impl->name.c_str());
    return {Status::not_suspendable, nullptr};
  }
  impl->transfer = value;
  impl->resumer = tls_running;
  if (impl->resumer) impl->resumer->state = CoroutineState::normal;
  tls_running = impl;
  impl->state = CoroutineState::running;
  const int rc = spool_context_swap(&impl->caller, &impl->self);
  if (rc == SPOOL_CONTEXT_E_NO_ENGINE_STACK) {
    // Nothing switched: undo, and say why. It can be resumed later.
    tls_running = impl->resumer;
    if (impl->resumer) impl->resumer->state = CoroutineState::running;
    impl->resumer = nullptr;
    impl->state = CoroutineState::suspended;
    spool_context_stats stats;
    spool_context_get_stats(&stats);
    report(Status::no_memory,
           "coroutine '%s' cannot start: all %u engine stacks the budget allows are in use (by "
           "fibers, coroutines and spare ones; the engine aborts the process past its own "
           "limit). Let some finish first, or raise spool::set_engine_stack_budget() if the "
           "engine allows more.",
           impl->name.c_str(), stats.engine_budget);
    return {Status::no_memory, nullptr};
  }
  if (rc != SPOOL_CONTEXT_OK) {
    char found[48];
    std::snprintf(found, sizeof found, "context error %d", rc);
    detail::internal_error("resuming a suspended coroutine to succeed", found);
  }
  tls_running = impl->resumer;
  if (impl->resumer) impl->resumer->state = CoroutineState::running;
  impl->resumer = nullptr;
  if (impl->state == CoroutineState::dead) {
    give_back_stack(impl);
#if defined(__cpp_exceptions)
    if (impl->error) {
      std::exception_ptr error = impl->error;
      impl->error = nullptr;
      std::rethrow_exception(error);
    }
#endif
  }
  return {Status::ok, impl->transfer};
}

void* Coroutine::yield(void* value) {
  Impl* impl = impl_;
  if (tls_running != impl) {
    report(Status::already_running,
           "yield() of coroutine '%s' called from outside its own body; only the running "
           "coroutine can yield itself.",
           impl->name.c_str());
    return nullptr;
  }
  impl->transfer = value;
  impl->state = CoroutineState::suspended;
  const int rc = spool_context_swap(&impl->self, &impl->caller);
  if (rc == SPOOL_CONTEXT_E_STACK_OVERFLOW) {
    fatal(Status::stack_overflow,
          "stack overflow in coroutine '%s': it wrote past the end of its %zu-byte stack. Create "
          "it with a larger CoroutineOptions::stack_size. Stopping the process.",
          impl->name.c_str(), impl->stack.size);
  }
  if (rc != SPOOL_CONTEXT_OK) {
    char found[48];
    std::snprintf(found, sizeof found, "context error %d", rc);
    detail::internal_error("a coroutine's yield to succeed", found);
  }
  return impl->transfer;
}

}  // namespace spool
