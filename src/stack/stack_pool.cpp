#include "stack_pool.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "../context/sanitizers.h"

namespace spool::detail {

namespace {
#if !defined(__EMSCRIPTEN__)
std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

// The process's memory mappings now, and the kernel's limit (vm.max_map_count); 0 if unknown.
long count_lines(const char* path) {
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  long lines = 0;
  for (int c; (c = std::fgetc(f)) != EOF;) lines += c == '\n';
  std::fclose(f);
  return lines;
}
long read_long(const char* path) {
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  long value = 0;
  if (std::fscanf(f, "%ld", &value) != 1) value = 0;
  std::fclose(f);
  return value;
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
  if (!lo) {
    std::snprintf(failure_, sizeof failure_,
                  "the wasm heap could not grow by %zu bytes (malloc failed); free memory, or raise "
                  "-sMAXIMUM_MEMORY",
                  size);
    return {};
  }
  return Stack{lo, size};
#else
  // One guard page below the stack: an overflow faults instead of writing into a neighbour.
  const std::size_t guard = page_size();
  void* base = mmap(nullptr, size + guard, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  int error = base == MAP_FAILED ? errno : 0;
  if (!error && mprotect(base, guard, PROT_NONE) != 0) {
    error = errno;
    munmap(base, size + guard);
  }
  if (!error) return Stack{static_cast<char*>(base) + guard, size};
  // ENOMEM is also what the kernel answers when the process has as many memory mappings as
  // vm.max_map_count allows (each stack takes two: the stack and its guard page).
  const long maps = count_lines("/proc/self/maps");
  const long limit = read_long("/proc/sys/vm/max_map_count");
  if (error == ENOMEM && limit > 0 && maps + 16 >= limit) {
    std::snprintf(failure_, sizeof failure_,
                  "the kernel refused another memory mapping: this process has %ld of the %ld "
                  "that vm.max_map_count allows, and each fiber or coroutine stack takes 2. Hold "
                  "fewer fibers and coroutines at once, or raise the limit (sysctl "
                  "vm.max_map_count=%ld)",
                  maps, limit, limit * 2);
  } else {
    std::snprintf(failure_, sizeof failure_, "mmap of %zu bytes failed: %s", size + guard,
                  std::strerror(error));
  }
  return {};
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

std::size_t StackPool::cache_limit(int size_class) const noexcept {
  const SizeClass& c = classes_[size_class];
  return std::min(max_cached_per_class_, std::max({kFloor, c.peak, c.last_peak}));
}

void StackPool::end_epoch() noexcept {
  for (int i = 0; i < kClasses; ++i) {
    SizeClass& c = classes_[i];
    c.last_peak = c.peak;
    c.peak = c.in_use;
    const std::size_t limit = cache_limit(i);
    const std::size_t size = kMinSize << i;
    while (c.cache.size() > limit) {
      unmap_stack(Stack{c.cache.back(), size});
      c.cache.pop_back();
      bytes_reserved_ -= size;
    }
  }
}

Stack StackPool::acquire(std::size_t min_size) {
  if (min_size > kMaxSize) {
    std::snprintf(failure_, sizeof failure_,
                  "%zu bytes is more than the largest stack spool makes (%zu bytes); ask for a "
                  "smaller stack_size",
                  min_size, kMaxSize);
    return {};
  }
  if (++acquisitions_ % kEpoch == 0) end_epoch();
  const std::size_t size = round_to_class(min_size);
  SizeClass& c = classes_[class_of(size)];
  Stack stack;
  if (!c.cache.empty()) {
    stack = Stack{c.cache.back(), size};
    c.cache.pop_back();
  } else {
    stack = map_stack(size);
    if (!stack) return {};
    bytes_reserved_ += size;
  }
  ++in_use_;
  if (++c.in_use > c.peak) c.peak = c.in_use;
  return stack;
}

void StackPool::release(Stack stack) noexcept {
  if (!stack) return;
  --in_use_;
  const int index = class_of(stack.size);
  SizeClass& c = classes_[index];
  --c.in_use;
  if (c.cache.size() < cache_limit(index)) {
    c.cache.push_back(stack.lo);
    return;
  }
  unmap_stack(stack);
  bytes_reserved_ -= stack.size;
}

void StackPool::trim() noexcept {
  std::size_t size = kMinSize;
  for (auto& c : classes_) {
    for (void* lo : c.cache) {
      unmap_stack(Stack{lo, size});
      bytes_reserved_ -= size;
    }
    c.cache.clear();
    c.cache.shrink_to_fit();
    size <<= 1;
  }
}

std::size_t StackPool::cached() const noexcept {
  std::size_t total = 0;
  for (const auto& c : classes_) total += c.cache.size();
  return total;
}

void fill_stack(const Stack& stack, unsigned char pattern) noexcept {
#if defined(SPOOL_CONTEXT_ASAN)
  __asan_unpoison_memory_region(stack.lo, stack.size);
#endif
  std::memset(stack.lo, pattern, stack.size);
}

// Reads below a suspended fiber's frames, where ASan may keep redzones of frames it poisoned:
// the scan only compares bytes, so it is not instrumented.
#if defined(SPOOL_CONTEXT_ASAN)
__attribute__((no_sanitize("address")))
#endif
std::size_t untouched_bytes(const Stack& stack, unsigned char pattern) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(stack.lo);
  std::size_t n = 0;
  while (n < stack.size && bytes[n] == pattern) ++n;
  return n;
}

}  // namespace spool::detail
