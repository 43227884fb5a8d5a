// libFuzzer target: fuzz bytes are decoded into a model program (every choice the generator makes
// is read from the bytes: spool_model::generate_from_bytes), which runs on spool and on the
// reference model; the traces must match, and nothing may leak. Built natively with clang and
// -fsanitize=fuzzer,address,undefined (configuration native-fuzz, scripts/env.sh), so spool itself
// is instrumented for coverage and any sanitizer report is a crash too.
//
// A difference prints the shortest program that still fails and stops the fuzzer (libFuzzer saves
// the input). To see the program an input decodes to, run it alone with SPOOL_FUZZ_VERBOSE=1:
//   SPOOL_FUZZ_VERBOSE=1 build/native-fuzz/tests/fuzz/spool_model_fuzz <input file>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "../model/checker.h"
#include "../model/program.h"

namespace {
bool g_verbose = false;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_verbose = std::getenv("SPOOL_FUZZ_VERBOSE") != nullptr;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const spool_model::Program program = spool_model::generate_from_bytes(data, size);
  if (g_verbose) std::fprintf(stderr, "fuzz: program from %zu bytes\n%s", size, spool_model::listing(program).c_str());
  const spool_model::Verdict verdict = spool_model::check(program);
  if (verdict.failed) {
    const spool_model::Program shortest = spool_model::shrink(program);
    std::fprintf(stderr, "%s\n", spool_model::failure_report(program, shortest, spool_model::check(shortest)).c_str());
    std::abort();  // libFuzzer keeps the input as a crash
  }
  return 0;
}
