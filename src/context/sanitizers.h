// Which sanitizer the native backends are built under, and its fiber-switch interfaces.
#ifndef SPOOL_SRC_CONTEXT_SANITIZERS_H
#define SPOOL_SRC_CONTEXT_SANITIZERS_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPOOL_CONTEXT_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SPOOL_CONTEXT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SPOOL_CONTEXT_ASAN)
#define SPOOL_CONTEXT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SPOOL_CONTEXT_TSAN)
#define SPOOL_CONTEXT_TSAN 1
#endif

#if defined(SPOOL_CONTEXT_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(SPOOL_CONTEXT_TSAN)
#include <sanitizer/tsan_interface.h>
// TSan and ASan never share a build, so under TSan the ASan field holds the TSan fiber to switch
// to when the record is resumed: the fiber current when it was saved (which is not always
// tsan_fiber, the one made for the record's own stack: a record can be saved on another stack).
#define SPOOL_TSAN_RESUME_FIBER(ctx) ((ctx)->asan_fake_stack)
#endif

#endif
