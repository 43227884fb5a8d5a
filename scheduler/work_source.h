// Work a scheduler has not been given but may take when it has nothing ready: a Pool worker takes
// tasks spawned onto the pool from its own queue, then steals from its siblings' (pool.cpp).
// Internal.
#pragma once

#include "spool/scheduler.h"

namespace spool::detail {

class WorkSource {
 public:
  // On the scheduler's thread, when nothing is ready: moves one task into `task` and returns
  // true, or returns false if there is none anywhere.
  virtual bool take(Scheduler::Task& task) = 0;

 protected:
  ~WorkSource() = default;
};

}  // namespace spool::detail
