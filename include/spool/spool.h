// spool: fibers for WebAssembly on JSPI (and natively), with one C++ API on every platform.
#pragma once

#include "clock.h"
#include "coroutine.h"
#include "fiber.h"
#include "scheduler.h"
#include "status.h"
#include "this_fiber.h"
