#include "stack_pool.h"

#include <cstdlib>

#if !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace spool::detail {

namespace {
#if !defined(__EMSCRIPTEN__)
std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
#endif
}  // namespace

StackPool& StackPool::for_this_thread() {
  thread_local StackPool pool;
  return pool;
}

StackPool::~StackPool() { trim(); }

std::size_t StackPool::round_to_class(std::size_t size) noexcept {
  std::size_t rounded = kMinSize;
  while (rounded < size && rounded < kMaxSize) rounded <<= 1;
  return rounded;
}

int StackPool::class_of(std::size_t rounded) noexcept {
  int index = 0;
  for (std::size_t s = kMinSize; s < rounded; s <<= 1) ++index;
  return index;
}

Stack StackPool::map_stack(std::size_t size) noexcept {
#if defined(__EMSCRIPTEN__)
  void* lo = std::aligned_alloc(16, size);
  return lo ? Stack{lo, size} : Stack{};
#else
  // One guard page below the stack: an overflow faults instead of writing into a neighbour.
  const std::size_t guard = page_size();
  void* base = mmap(nullptr, size + guard, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return {};
  if (mprotect(base, guard, PROT_NONE) != 0) {
    munmap(base, size + guard);
    return {};
  }
  return Stack{static_cast<char*>(base) + guard, size};
#endif
}

void StackPool::unmap_stack(Stack stack) noexcept {
#if defined(__EMSCRIPTEN__)
  std::free(stack.lo);
#else
  const std::size_t guard = page_size();
  munmap(static_cast<char*>(stack.lo) - guard, stack.size + guard);
#endif
}

Stack StackPool::acquire(std::size_t min_size) {
  if (min_size > kMaxSize) return {};
  const std::size_t size = round_to_class(min_size);
  std::vector<void*>& cache = cache_[class_of(size)];
  Stack stack;
  if (!cache.empty()) {
    stack = Stack{cache.back(), size};
    cache.pop_back();
  } else {
    stack = map_stack(size);
    if (!stack) return {};
    bytes_reserved_ += size;
  }
  ++in_use_;
  return stack;
}

void StackPool::release(Stack stack) noexcept {
  if (!stack) return;
  --in_use_;
  std::vector<void*>& cache = cache_[class_of(stack.size)];
  if (cache.size() < max_cached_per_class_) {
    cache.push_back(stack.lo);
    return;
  }
  unmap_stack(stack);
  bytes_reserved_ -= stack.size;
}

void StackPool::trim() noexcept {
  std::size_t size = kMinSize;
  for (auto& cache : cache_) {
    for (void* lo : cache) {
      unmap_stack(Stack{lo, size});
      bytes_reserved_ -= size;
    }
    cache.clear();
    cache.shrink_to_fit();
    size <<= 1;
  }
}

std::size_t StackPool::cached() const noexcept {
  std::size_t total = 0;
  for (const auto& cache : cache_) total += cache.size();
  return total;
}

}  // namespace spool::detail
