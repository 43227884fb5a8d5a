# Runs the fuzzer for SECONDS from a fixed seed, on a fresh copy of CORPUS in WORK; fails if it
# finds anything (a trace that leaves the model's, a leak, a sanitizer report, a hang).
#   cmake -DFUZZER=path -DSECONDS=60 -DCORPUS=dir -DWORK=dir -P run_fuzz.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
file(GLOB inputs "${CORPUS}/*")
file(COPY ${inputs} DESTINATION "${WORK}/corpus")
execute_process(
  COMMAND "${FUZZER}" -seed=1 -max_total_time=${SECONDS} -timeout=10 -max_len=1024
          -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/
          "${WORK}/corpus"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
# The last lines say how far it got (runs, coverage, corpus).
string(REGEX MATCHALL "stat::[a-z_]+: *[0-9]+" stats "${err}")
string(REPLACE ";" "\n" stats "${stats}")
if(NOT status EQUAL 0)
  file(GLOB found "${WORK}/artifacts/*")
  message(FATAL_ERROR "the fuzzer found a failing input (status ${status}): ${found}\n${out}${err}")
endif()
message(STATUS "no failure in ${SECONDS} s:\n${stats}")
