# ctest smoke test of benchmark programs (not timing): runs each for a few iterations, feeds their
# RESULT lines to report.mjs, and fails unless every program succeeds, the report passes (for the
# Taisei stage: every implementation ran the same work, the same final state hash and counts) and
# every REQUIRE pattern is in the output. With CORRUPT (a pattern ending in a figure), it then also
# checks that the report's check bites: the output with that figure changed (a digit appended)
# must make report.mjs fail.
#   cmake -DNODE=<node with JSPI> -DREPORT=<report.mjs> -DOUT=<dir> -DPROGRAMS="a.js|b.js"
#         [-DARGUMENTS="120 2 1"] [-DREQUIRE="regex|regex"] [-DCORRUPT=regex]
#         -P check_report.cmake
string(REPLACE "|" ";" programs "${PROGRAMS}")
string(REPLACE "|" ";" required "${REQUIRE}")
separate_arguments(arguments UNIX_COMMAND "${ARGUMENTS}")
file(MAKE_DIRECTORY "${OUT}")
set(all_output "")
foreach(program IN LISTS programs)
  execute_process(COMMAND ${NODE} --expose-gc ${program} ${arguments}
                  OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${program} ${ARGUMENTS} failed (${status}):\n${output}\n${errors}")
  endif()
  string(APPEND all_output "${output}")
endforeach()
file(WRITE "${OUT}/run-1.txt" "${all_output}")

function(run_report input result_variable errors_variable)
  execute_process(COMMAND ${NODE} ${REPORT} ${OUT}/report "{\"runs\":1}" ${input}
                  OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
  set(${result_variable} ${status} PARENT_SCOPE)
  set(${errors_variable} "${output}\n${errors}" PARENT_SCOPE)
endfunction()

run_report("${OUT}/run-1.txt" status report_output)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the report failed (${status}):\n${report_output}")
endif()
foreach(pattern IN LISTS required)
  if(NOT all_output MATCHES "${pattern}")
    message(FATAL_ERROR "no output matches ${pattern}:\n${all_output}")
  endif()
endforeach()
message(STATUS "${report_output}")

if(CORRUPT)
  string(REGEX MATCH "${CORRUPT}" found "${all_output}")
  if(NOT found)
    message(FATAL_ERROR "nothing to corrupt: no output matches ${CORRUPT}")
  endif()
  string(REPLACE "${found}" "${found}1" corrupted "${all_output}")
  file(WRITE "${OUT}/corrupted.txt" "${corrupted}")
  run_report("${OUT}/corrupted.txt" status report_output)
  if(status EQUAL 0 OR NOT report_output MATCHES "implementations disagree")
    message(FATAL_ERROR "the report accepted a corrupted result (${found} -> ${found}1):\n${report_output}")
  endif()
  message(STATUS "a corrupted result is refused, as it must be")
endif()
