// C stacks for fibers and coroutines, in power-of-two size classes, cached for reuse.
//
// Natively a stack is an mmap'd region with a PROT_NONE guard page below it, so an overflow
// faults instead of corrupting a neighbour. In wasm there is no memory protection: a stack is a
// 16-byte aligned heap block, and the context layer's canary (red zone) plus Emscripten's stack
// limits catch overflows.
//
// The cache follows the working set: each size class keeps as many freed stacks as were in use
// at once during the current or the previous epoch (an epoch: 65,536 acquisitions from the pool),
// so waves of fibers of any size reuse stacks instead of mapping and unmapping them, and a burst
// that is over gives its stacks back within two epochs. An optional cap bounds it further.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spool::detail {

struct Stack {
  void* lo = nullptr;     // lowest usable address (the stack grows down towards it)
  std::size_t size = 0;   // usable bytes from lo
  explicit operator bool() const noexcept { return lo != nullptr; }
};

class StackPool {
 public:
  static constexpr std::size_t kMinSize = 4096;
  static constexpr std::size_t kMaxSize = std::size_t{64} << 20;
  static constexpr std::uint64_t kEpoch = 65536;  // acquisitions
  static constexpr std::size_t kFloor = 16;       // kept per class whatever the working set

  // The pool of the calling thread; its cached stacks are freed when the thread exits.
  static StackPool& for_this_thread();

  StackPool() = default;
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack of at least `min_size` bytes (rounded up to a size class). Empty if the size is over
  // kMaxSize or the memory could not be had: failure() then says why.
  Stack acquire(std::size_t min_size);
  // Returns a stack to its size class's cache (or frees it past what the cache keeps).
  void release(Stack stack) noexcept;
  // Frees every cached stack.
  void trim() noexcept;
  // Why the last acquire() failed, with the fix.
  const char* failure() const noexcept { return failure_; }

  // The most stacks a class keeps cached, whatever the working set (SIZE_MAX: no cap).
  void set_max_cached_per_class(std::size_t count) noexcept { max_cached_per_class_ = count; }

  static std::size_t round_to_class(std::size_t size) noexcept;

  std::size_t in_use() const noexcept { return in_use_; }
  std::size_t cached() const noexcept;
  std::size_t bytes_reserved() const noexcept { return bytes_reserved_; }

 private:
  static constexpr int kClasses = 15;  // 4 KiB .. 64 MiB
  static int class_of(std::size_t rounded) noexcept;
  Stack map_stack(std::size_t size) noexcept;
  static void unmap_stack(Stack stack) noexcept;
  std::size_t cache_limit(int size_class) const noexcept;
  void end_epoch() noexcept;

  struct SizeClass {
    std::vector<void*> cache;
    std::size_t in_use = 0;
    std::size_t peak = 0;       // most in use at once this epoch
    std::size_t last_peak = 0;  // ... and the epoch before
  };
  std::array<SizeClass, kClasses> classes_{};
  std::size_t max_cached_per_class_ = SIZE_MAX;
  std::uint64_t acquisitions_ = 0;
  std::size_t in_use_ = 0;
  std::size_t bytes_reserved_ = 0;
  char failure_[320] = "";
};

// Stack measurement (Config::measure_stacks): fill_stack() writes `pattern` over a stack before
// its fiber starts; untouched_bytes() counts, from `lo` up, the bytes that still hold it. Under
// AddressSanitizer the fill first clears the poison left by the stack's previous user (its frames
// ended without returning), which a plain memset would report as a stack underflow.
void fill_stack(const Stack& stack, unsigned char pattern) noexcept;
std::size_t untouched_bytes(const Stack& stack, unsigned char pattern) noexcept;

}  // namespace spool::detail
