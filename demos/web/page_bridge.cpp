#include "page_bridge.h"

#include <emscripten.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

// A plain call into JS: it neither suspends nor calls back into wasm. The records are read in
// place through a HEAPF32 view taken now (memory may have grown since the last frame).
EM_JS(void, web_demo_present_js, (const float* records, int slots, int floats_per_slot, const char* hud_json), {
  var present = Module['spoolDemoPresent'];
  if (typeof present != 'function') return;  // no page (run under Node): nothing to draw
  var first = records >> 2;
  present(HEAPF32.subarray(first, first + slots * floats_per_slot), floats_per_slot, UTF8ToString(hud_json));
});

EM_JS(void, web_demo_inspector_js, (const char* text), {
  var show = Module['spoolDemoInspector'];
  if (typeof show == 'function') show(UTF8ToString(text));
});

namespace web_demo {

// Every fiber but the bullets (and shots) line by line, children under their parent; the bullets
// counted by state, with the largest C stack any of them uses now.
void present_inspector(const spool::Scheduler& scheduler) {
  const spool::Inspection inspection = scheduler.inspect();
  std::string text;
  std::size_t bullets = 0, waiting = 0, ready = 0, deepest = 0, with_engine_stack = 0;
  std::map<spool::FiberId, std::vector<const spool::FiberInfo*>> children;
  for (const auto& f : inspection.fibers) {
    if (f.holds_engine_stack) ++with_engine_stack;
    if (f.name == "bullet" || f.name == "shot") {
      ++bullets;
      waiting += f.state == spool::FiberState::waiting;
      ready += f.state == spool::FiberState::ready;
      deepest = std::max(deepest, f.stack_in_use);
      continue;
    }
    children[f.parent].push_back(&f);
  }
  char line[256];
  std::snprintf(line, sizeof line, "frame %llu: %zu fibers, %zu on engine stacks\n",
                static_cast<unsigned long long>(inspection.frame), inspection.fibers.size() - 1, with_engine_stack);
  text += line;
  auto show = [&](const spool::FiberInfo& f, int depth, auto& self) -> void {
    std::snprintf(line, sizeof line, "%*s%s #%llu %s%s%s  age %.1f s  stack %zu/%zu B\n", depth * 2, "", f.name.c_str(),
                  static_cast<unsigned long long>(f.id), spool::to_string(f.state), f.waiting_in.empty() ? "" : " in ",
                  f.waiting_in.c_str(), std::chrono::duration<double>(f.age).count(), f.stack_in_use, f.stack_size);
    text += line;
    auto it = children.find(f.id);
    if (it != children.end()) {
      for (const auto* child : it->second) self(*child, depth + 1, self);
    }
  };
  for (const auto* root : children[0]) show(*root, 0, show);
  std::snprintf(line, sizeof line, "bullets and shots: %zu (%zu waiting for a frame, %zu ready), deepest stack %zu B\n",
                bullets, waiting, ready, deepest);
  text += line;
  web_demo_inspector_js(text.c_str());
}

Controls& page_controls() {
  static Controls controls;
  return controls;
}

double now_ms() { return emscripten_get_now(); }

void present_frame(const World& world, const Controls& controls, const FrameStats& frame_stats,
                   const spool::Scheduler::Stats& s) {
  // The HUD's figures by name, so that the page needs no knowledge of any C++ layout.
  char hud[2048];  // about 800 bytes are used
  const int length = std::snprintf(hud, sizeof hud,
      "{\"frame\":%" PRIu64 ",\"liveFibers\":%zu,\"peakLiveFibers\":%zu,\"queuedSpawns\":%zu,"
      "\"readyFibers\":%zu,\"waitingFibers\":%zu,\"frameWaiters\":%zu,"
      "\"spawns\":%" PRIu64 ",\"spawnsPerSecond\":%.0f,\"switchesPerFrame\":%" PRIu64 ","
      "\"schedulerMs\":%.3f,\"frameMs\":%.3f,"
      "\"engineStacksLive\":%u,\"engineStacksParked\":%u,\"engineStacksCreated\":%" PRIu64 ","
      "\"engineStacksReused\":%" PRIu64 ",\"cStacksInUse\":%zu,\"cStackBytes\":%zu,"
      "\"bullets\":%zu,\"bulletCapacity\":%zu,\"scale\":%d,\"paused\":%s,"
      "\"phase\":\"%s\",\"playerHits\":%" PRIu64 ",\"bossHealth\":%d,\"bossMaxHealth\":%d,"
      "\"player\":{\"x\":%.1f,\"y\":%.1f},\"boss\":{\"x\":%.1f,\"y\":%.1f}}",
      s.frame, s.live_fibers, s.peak_live_fibers, s.queued_spawns, s.ready_fibers,
      s.waiting_fibers, s.frame_waiters, s.spawns, frame_stats.spawns_per_second(),
      frame_stats.switches_per_tick(), frame_stats.tick_ms(), frame_stats.frame_ms(),
      s.engine_stacks_live, s.engine_stacks_parked, s.engine_stacks_created,
      s.engine_stacks_reused, s.stacks_in_use, s.stack_bytes, world.bullets.in_use(),
      world.bullets.capacity(), controls.scale, controls.paused ? "true" : "false",
      world.phase_name, world.player.hits_taken, world.boss.health, world.boss.max_health,
      world.player.position.x, world.player.position.y, world.boss.position.x,
      world.boss.position.y);
  if (length < 0 || static_cast<std::size_t>(length) >= sizeof hud) {
    std::fprintf(stderr, "spool web demo: the HUD's numbers do not fit in %zu bytes\n", sizeof hud);
    return;
  }
  web_demo_present_js(world.bullets.records(), static_cast<int>(world.bullets.slots_to_scan()),
                      static_cast<int>(BulletPool::kFloatsPerSlot), hud);
}

}  // namespace web_demo

// The page's controls: plain calls from JS event handlers. They only set state; the game loop
// reads it at its next frame (a plain call could not switch fibers anyway).
extern "C" {
EMSCRIPTEN_KEEPALIVE void spool_demo_set_scale(int k) { web_demo::page_controls().set_scale(k); }
EMSCRIPTEN_KEEPALIVE void spool_demo_set_paused(int paused) { web_demo::page_controls().paused = paused != 0; }
EMSCRIPTEN_KEEPALIVE void spool_demo_step() { ++web_demo::page_controls().steps_requested; }
EMSCRIPTEN_KEEPALIVE void spool_demo_set_inspector(int shown) { web_demo::page_controls().inspector = shown != 0; }
}
