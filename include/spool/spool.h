// spool: fibers for WebAssembly on JSPI (and natively), with one C++ API on every platform.
#pragma once

#include "channel.h"
#include "clock.h"
#include "condition_variable.h"
#include "coroutine.h"
#include "event.h"
#include "fiber.h"
#include "fiber_local.h"
#include "future.h"
#include "js.h"
#include "mutex.h"
#include "scheduler.h"
#include "select.h"
#include "semaphore.h"
#include "status.h"
#include "this_fiber.h"
#include "wait_group.h"
