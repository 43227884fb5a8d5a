// The Catch2 runner. In wasm, spool's runtime runs main() inside a JSPI call, so the tests (and
// every fiber they spawn) may switch.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
