// spool::FiberLocal<T>: a value per fiber, like thread_local for fibers. Each fiber (and the main
// context) sees its own T, constructed from the initial value on first use and destroyed when the
// fiber finishes. The FiberLocal object must outlive the fibers that use it.
#pragma once

#include <utility>

namespace spool {

namespace detail {
// The running fiber's slot for `key`: nullptr if it holds none yet. Without a Scheduler, one slot
// set per thread stands for the thread's own context.
void* fiber_local_get(const void* key) noexcept;
void fiber_local_set(const void* key, void* value, void (*destroy)(void*));
}  // namespace detail

template <class T>
class FiberLocal {
 public:
  explicit FiberLocal(T initial = T{}) : initial_(std::move(initial)) {}
  FiberLocal(const FiberLocal&) = delete;
  FiberLocal& operator=(const FiberLocal&) = delete;

  T& get() {
    if (void* slot = detail::fiber_local_get(this)) return *static_cast<T*>(slot);
    T* value = new T(initial_);
    detail::fiber_local_set(this, value, [](void* p) { delete static_cast<T*>(p); });
    return *value;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

 private:
  T initial_;
};

}  // namespace spool
