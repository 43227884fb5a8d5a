// What every Catch2 test file of spool includes: the leak-checking fixture (SPOOL_TEST_CASE)
// and the capture of spool's error reports. Linked as the spool_test_support target.
#pragma once

#include "spool/spool.h"
#include "support/error_capture.h"
#include "support/leak_fixture.h"
