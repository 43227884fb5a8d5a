// The hooks the context layer's users install (context.h), shared by every backend.
#include <string.h>

#include "context.h"

static spool_context_hooks g_hooks;

void spool_context_set_hooks(const spool_context_hooks* hooks) {
  if (hooks) {
    g_hooks = *hooks;
  } else {
    memset(&g_hooks, 0, sizeof g_hooks);
  }
}

void spool_context_describe_running(char* buf, size_t size) {
  if (size == 0) return;
  buf[0] = 0;
  if (g_hooks.describe_running) g_hooks.describe_running(buf, size);
}

// For the JSPI backend: the hook, if any, that finishes a lost context.
void spool_context_call_context_lost(void) {
  if (g_hooks.context_lost) g_hooks.context_lost();
}
