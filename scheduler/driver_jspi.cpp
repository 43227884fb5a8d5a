// The JSPI driver (driver.h): an idle scheduler parks its context on the JavaScript event loop,
// which resumes it when a JS timer fires (the earliest sleeper's deadline) or a JS callback makes
// work (post, a settled promise). When a fiber's engine stack fails, a small reaper context of the
// driver's own ends that fiber and goes on with the others.
#include <chrono>
#include <cstdio>

#include "../src/context/context_jspi.h"
#include "scheduler_core.h"

extern "C" void spool_js_mark_run(const char* name);  // js/spool_library.js

namespace spool::detail {

namespace {

class JspiDriver final : public Driver {
 public:
  explicit JspiDriver(SchedulerCore& core) : core_(core) {}

  Idle wait(FiberRecord* self, Duration timeout) override {
    const double timeout_ms =
        timeout == Duration::max() ? -1.0 : std::chrono::duration<double, std::milli>(timeout).count();
    parked_ = self;
    const int result = spool_context_park(&self->ctx, timeout_ms);
    parked_ = nullptr;
    switch (result) {
      case SPOOL_PARK_WOKEN: return Idle::woken;
      case SPOOL_PARK_TIMED_OUT: return Idle::timed_out;
      case SPOOL_PARK_DRAINED: return Idle::drained;
    }
    char found[48];
    std::snprintf(found, sizeof found, "park result %d", result);
    internal_error("the idle scheduler to park on the JS event loop", found);
  }

  void wake() noexcept override {
    if (parked_) spool_context_wake(&parked_->ctx);
  }

  void mark_run(const char* name) noexcept override { spool_js_mark_run(name); }

  // From a plain call: the running fiber's engine stack is gone. A reaper context does what the
  // fiber's return would have done (SchedulerCore::finish_lost_fiber) on a stack of its own.
  void on_context_lost() override {
    FiberRecord* lost = core_.running();
    if (!lost || lost->is_main) return;  // main's own call failed: the runtime reports it
    auto* reaper = new Reaper{&core_, lost, new FiberRecord};
    reaper->record->core = &core_;
    reaper->record->refs = 1;
    reaper->record->name = "reaper";
    reaper->record->stack = StackPool::for_this_thread().acquire(16 * 1024);
    if (!reaper->record->stack) internal_error("memory for a reaper's stack", "none");
    spool_context_make(&reaper->record->ctx, reaper->record->stack.lo, reaper->record->stack.size,
                       &Reaper::entry, reaper);
    spool_context_dispatch_from_plain_call(&reaper->record->ctx);
  }

 private:
  struct Reaper {
    SchedulerCore* core;
    FiberRecord* lost;
    FiberRecord* record;  // retired like a finished fiber once the next context runs
    static spool_context* entry(void* arg) {
      Reaper reaper = *static_cast<Reaper*>(arg);
      delete static_cast<Reaper*>(arg);
      return reaper.core->finish_lost_fiber(reaper.lost, reaper.record);
    }
  };

  SchedulerCore& core_;
  FiberRecord* parked_ = nullptr;
};

}  // namespace

std::unique_ptr<Driver> make_platform_driver(SchedulerCore& core) {
  return std::make_unique<JspiDriver>(core);
}

}  // namespace spool::detail
